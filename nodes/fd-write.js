module.exports = require('../dist/nodes/fd-write').default;
