/**
 * Which enumeration a standard property's enumerated value belongs to, so a
 * decoded `1` of a binary input's present-value reads `"active"` and a `62`
 * of units reads `"degrees-celsius"`. Some properties depend on the object
 * type (present-value is BACnetBinaryPV in a binary input, BACnetDoorValue in
 * an access door, a REAL in an analog input), so the lookup takes both.
 */
import { ENGINEERING_UNITS } from './engineering-units';
import { CORE_ENUMERATIONS, SAFETY_ENUMERATIONS } from './enumerations';
import { ACCESS_ENUMERATIONS, LIFT_ENUMERATIONS, NETWORK_ENUMERATIONS } from './enumerations-systems';
import { NameTable, numberOf } from './name-table';
import { OBJECT_TYPES } from './object-types';
import { PROPERTY_IDENTIFIERS } from './property-identifiers';

/** Every enumeration table of the standard properties, by ASN.1 type name in kebab case. */
export const ENUMERATIONS = {
  ...CORE_ENUMERATIONS,
  ...SAFETY_ENUMERATIONS,
  ...ACCESS_ENUMERATIONS,
  ...LIFT_ENUMERATIONS,
  ...NETWORK_ENUMERATIONS,
} as const;

/** The id of one of the ENUMERATIONS tables (`binary-pv`, `event-state`, ...). */
export type EnumerationId = keyof typeof ENUMERATIONS;

/** The table a value of an enumerated property is named from (the object types and property identifiers count too). */
type ValueTable = EnumerationId | 'engineering-units' | 'object-type' | 'property-identifier';

/** Properties whose enumeration is the same in every object type that has them. */
const ANY_OBJECT: ReadonlyArray<readonly [property: string, table: ValueTable]> = [
  ['event-state', 'event-state'],
  ['reliability', 'reliability'],
  ['units', 'engineering-units'],
  ['output-units', 'engineering-units'],
  ['controlled-variable-units', 'engineering-units'],
  ['proportional-constant-units', 'engineering-units'],
  ['integral-constant-units', 'engineering-units'],
  ['derivative-constant-units', 'engineering-units'],
  ['car-load-units', 'engineering-units'],
  ['object-type', 'object-type'],
  ['property-list', 'property-identifier'],
  ['polarity', 'polarity'],
  ['system-status', 'device-status'],
  ['segmentation-supported', 'segmentation'],
  ['notify-type', 'notify-type'],
  ['event-type', 'event-type'],
  ['fault-type', 'fault-type'],
  ['file-access-method', 'file-access-method'],
  ['vt-classes-supported', 'vt-class'],
  ['program-state', 'program-state'],
  ['program-change', 'program-request'],
  ['reason-for-halt', 'program-error'],
  ['last-restart-reason', 'restart-reason'],
  ['backup-and-restore-state', 'backup-state'],
  ['logging-type', 'logging-type'],
  ['timer-state', 'timer-state'],
  ['last-state-change', 'timer-transition'],
  ['write-status', 'write-status'],
  ['operation-expected', 'life-safety-operation'],
  ['silenced', 'silenced-state'],
  ['maintenance-required', 'maintenance'],
  ['life-safety-alarm-values', 'life-safety-state'],
  ['accepted-modes', 'life-safety-mode'],
  ['door-alarm-state', 'door-alarm-state'],
  ['masked-alarm-values', 'door-alarm-state'],
  ['door-status', 'door-status'],
  ['lock-status', 'lock-status'],
  ['secured-status', 'door-secured-status'],
  ['access-event', 'access-event'],
  ['last-access-event', 'access-event'],
  ['access-alarm-events', 'access-event'],
  ['access-transaction-events', 'access-event'],
  ['failed-attempt-events', 'access-event'],
  ['occupancy-state', 'access-zone-occupancy-state'],
  ['user-type', 'access-user-type'],
  ['passback-mode', 'access-passback-mode'],
  ['credential-disable', 'access-credential-disable'],
  ['reason-for-disable', 'access-credential-disable-reason'],
  ['authentication-status', 'authentication-status'],
  ['authorization-mode', 'authorization-mode'],
  ['escalator-mode', 'escalator-mode'],
  ['operation-direction', 'escalator-operation-direction'],
  ['car-assigned-direction', 'lift-car-direction'],
  ['car-moving-direction', 'lift-car-direction'],
  ['car-door-command', 'lift-car-door-command'],
  ['car-drive-status', 'lift-car-drive-status'],
  ['car-mode', 'lift-car-mode'],
  ['group-mode', 'lift-group-mode'],
  ['network-type', 'network-type'],
  ['network-number-quality', 'network-number-quality'],
  ['bacnet-ip-mode', 'ip-mode'],
  ['bacnet-ipv6-mode', 'ip-mode'],
  ['protocol-level', 'protocol-level'],
  ['sc-hub-connector-state', 'sc-hub-connector-state'],
  ['audit-level', 'audit-level'],
  ['node-type', 'node-type'],
  ['subordinate-node-types', 'node-type'],
  ['default-subordinate-relationship', 'relationship'],
];

const BINARY = 'binary-input binary-output binary-value';
const LIFE_SAFETY = 'life-safety-point life-safety-zone';

/** Properties whose enumeration depends on the object type: object types, property, table. */
const BY_OBJECT: ReadonlyArray<readonly [objectTypes: string, property: string, table: ValueTable]> = [
  [BINARY, 'present-value', 'binary-pv'],
  [BINARY, 'relinquish-default', 'binary-pv'],
  ['binary-input binary-value', 'alarm-value', 'binary-pv'],
  ['binary-output', 'feedback-value', 'binary-pv'],
  ['binary-lighting-output', 'present-value', 'binary-lighting-pv'],
  ['binary-lighting-output', 'relinquish-default', 'binary-lighting-pv'],
  ['binary-lighting-output', 'feedback-value', 'binary-lighting-pv'],
  ['lighting-output', 'in-progress', 'lighting-in-progress'],
  ['lighting-output', 'transition', 'lighting-transition'],
  [LIFE_SAFETY, 'present-value', 'life-safety-state'],
  [LIFE_SAFETY, 'tracking-value', 'life-safety-state'],
  [LIFE_SAFETY, 'alarm-values', 'life-safety-state'],
  [LIFE_SAFETY, 'fault-values', 'life-safety-state'],
  [LIFE_SAFETY, 'mode', 'life-safety-mode'],
  ['access-door', 'present-value', 'door-value'],
  ['access-door', 'relinquish-default', 'door-value'],
  ['access-door', 'alarm-values', 'door-alarm-state'],
  ['access-door', 'fault-values', 'door-alarm-state'],
  ['load-control', 'present-value', 'shed-state'],
  ['loop', 'action', 'action'],
  ['network-port', 'command', 'network-port-command'],
  ['escalator', 'fault-signals', 'escalator-fault'],
  ['lift', 'fault-signals', 'lift-fault'],
];

function tableOf(id: ValueTable): NameTable {
  if (id === 'engineering-units') return ENGINEERING_UNITS;
  if (id === 'object-type') return OBJECT_TYPES;
  if (id === 'property-identifier') return PROPERTY_IDENTIFIERS;
  return ENUMERATIONS[id];
}

/** Key of an (object type, property) pair in BY_OBJECT_TYPE; property identifiers fit in 32 bits. */
const pairKey = (objectType: number, property: number): number => objectType * 2 ** 32 + property;

const BY_PROPERTY = new Map(ANY_OBJECT.map(([property, id]) => [numberOf(PROPERTY_IDENTIFIERS, property), tableOf(id)]));
const BY_OBJECT_TYPE = new Map(
  BY_OBJECT.flatMap(([types, property, id]) =>
    types.split(' ').map((type) => {
      const key = pairKey(numberOf(OBJECT_TYPES, type), numberOf(PROPERTY_IDENTIFIERS, property));
      return [key, tableOf(id)] as const;
    }),
  ),
);

/**
 * The table that names the enumerated values of `property` in an object of
 * `objectType` (each a number or a name), or null when the property is not
 * enumerated, is proprietary, or its enumeration is not one of the standard's.
 * Throws NameError for an unknown name or a number out of range.
 */
export function enumerationFor(objectType: number | string, property: number | string): NameTable | null {
  const type = numberOf(OBJECT_TYPES, objectType);
  const id = numberOf(PROPERTY_IDENTIFIERS, property);
  return BY_OBJECT_TYPE.get(pairKey(type, id)) ?? BY_PROPERTY.get(id) ?? null;
}
