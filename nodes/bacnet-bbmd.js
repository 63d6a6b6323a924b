module.exports = require('../dist/nodes/bacnet-bbmd').default;
