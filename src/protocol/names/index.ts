/**
 * The standard's names (ANSI/ASHRAE 135 clause 21) in one place: the tables,
 * the lookups between numbers and kebab-case names, the enumeration of each
 * standard property, and object and property references.
 */
export { MAX_UINT32, NameError, defineEnumeration, defineTable, nameOf, normalizeName, numberOf } from './name-table';
export type { NameRun, NameTable } from './name-table';
export { DEVICE_OBJECT_TYPE, OBJECT_TYPES } from './object-types';
export { PROPERTY_IDENTIFIERS } from './property-identifiers';
export { ENGINEERING_UNITS } from './engineering-units';
export { ABORT_REASONS, ERROR_CLASSES, ERROR_CODES, REJECT_REASONS } from './errors';
export { ENUMERATIONS, enumerationFor } from './property-enumerations';
export type { EnumerationId } from './property-enumerations';
export {
  MAX_ARRAY_INDEX,
  MAX_OBJECT_INSTANCE,
  WILDCARD_INSTANCE,
  formatObjectReference,
  formatPropertyReference,
  parseArrayIndex,
  parseObjectReference,
  parsePropertyReference,
  resolveDeviceObject,
} from './references';
export type { ObjectReference, ObjectReferenceInput, ObjectReferenceOptions, PropertyReference } from './references';
