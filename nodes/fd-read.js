module.exports = require('../dist/nodes/fd-read').default;
