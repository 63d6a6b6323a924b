module.exports = require('../dist/nodes/fd-broadcast').default;
