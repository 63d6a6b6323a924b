module.exports = require('../dist/nodes/fd-receive').default;
