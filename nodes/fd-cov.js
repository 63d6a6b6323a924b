module.exports = require('../dist/nodes/fd-cov').default;
