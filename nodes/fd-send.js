module.exports = require('../dist/nodes/fd-send').default;
