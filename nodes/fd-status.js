module.exports = require('../dist/nodes/fd-status').default;
