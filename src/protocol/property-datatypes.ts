/**
 * The clause 12 datatypes of the properties of the Device object and of the
 * analog-, binary- and multi-state- input, output and value objects: which
 * application tag a written value gets when the caller names none, and how a
 * read value is shaped (one value, an array, a list, a priority array, named
 * bits). Properties of constructed types (time stamps, address bindings,
 * recipients) are in constructed-productions.ts, which uses the object groups
 * below.
 */
import { NameTable, OBJECT_TYPES, PROPERTY_IDENTIFIERS, enumerationFor, nameOf, numberOf } from './names';
import { ValueType } from './primitive-values';

/** Bit-strings whose bits have names, in bit order (clause 21: BACnetStatusFlags, BACnetEventTransitionBits, BACnetLimitEnable). */
export const STATUS_FLAGS = ['in-alarm', 'fault', 'overridden', 'out-of-service'] as const;
export const EVENT_TRANSITION_BITS = ['to-offnormal', 'to-fault', 'to-normal'] as const;
export const LIMIT_ENABLE = ['low-limit-enable', 'high-limit-enable'] as const;

/** One element of a property: a primitive valueType, or a bit-string with named bits. */
export type ElementType = ValueType | { readonly bits: readonly string[] };

/**
 * A property's datatype: `single` one element; `array` a BACnetARRAY (index 0
 * is its length); `list` a BACnetLIST; `priority-array` a BACnetARRAY[16] of
 * BACnetPriorityValue, each the element type or NULL.
 */
export interface PropertyDatatype {
  readonly shape: 'single' | 'array' | 'list' | 'priority-array';
  readonly element: ElementType;
  /** The table naming enumerated elements (the property's, or present-value's in a priority array), else null. */
  readonly enumeration: NameTable | null;
}

type Row = readonly [objectTypes: string, properties: string, shape: PropertyDatatype['shape'], element: ElementType];

const ANALOG = 'analog-input analog-output analog-value';
const BINARY = 'binary-input binary-output binary-value';
export const BINARY_OBJECT_TYPES = BINARY;
const MULTI_STATE = 'multi-state-input multi-state-output multi-state-value';
const POINTS = `${ANALOG} ${BINARY} ${MULTI_STATE}`;
const ALL = `${POINTS} device`;
/** Every object type of the table, space-separated. */
export const ALL_OBJECT_TYPES = ALL;
/** Objects that have a priority array (commandable; the value objects optionally). */
const COMMANDABLE = 'analog-output analog-value binary-output binary-value multi-state-output multi-state-value';
const HARDWARE = 'analog-input analog-output binary-input binary-output multi-state-input multi-state-output';
const STATUS = { bits: STATUS_FLAGS };
const TRANSITIONS = { bits: EVENT_TRANSITION_BITS };

const ROWS: readonly Row[] = [
  // Every object of the table (clause 12.1 ff.).
  [ALL, 'object-identifier', 'single', 'object-identifier'],
  [ALL, 'object-name description profile-name profile-location', 'single', 'character-string'],
  [ALL, 'object-type reliability event-state', 'single', 'enumerated'],
  [ALL, 'status-flags', 'single', STATUS],
  [ALL, 'property-list', 'array', 'enumerated'],
  [ALL, 'event-enable acked-transitions', 'single', TRANSITIONS],
  [ALL, 'notify-type', 'single', 'enumerated'],
  [ALL, 'notification-class time-delay time-delay-normal', 'single', 'unsigned'],
  [ALL, 'event-message-texts event-message-texts-config', 'array', 'character-string'],
  [ALL, 'event-detection-enable event-algorithm-inhibit reliability-evaluation-inhibit', 'single', 'boolean'],
  [POINTS, 'out-of-service', 'single', 'boolean'],
  [HARDWARE, 'device-type', 'single', 'character-string'],
  [COMMANDABLE, 'current-command-priority', 'single', 'unsigned'],
  // Analog input, output, value (12.2-12.4).
  [ANALOG, 'present-value cov-increment min-pres-value max-pres-value resolution', 'single', 'real'],
  [ANALOG, 'high-limit low-limit deadband fault-high-limit fault-low-limit', 'single', 'real'],
  [ANALOG, 'units', 'single', 'enumerated'],
  [ANALOG, 'limit-enable', 'single', { bits: LIMIT_ENABLE }],
  ['analog-input', 'update-interval', 'single', 'unsigned'],
  ['analog-output analog-value', 'relinquish-default', 'single', 'real'],
  // Binary input, output, value (12.6-12.8).
  [BINARY, 'present-value', 'single', 'enumerated'],
  [BINARY, 'inactive-text active-text', 'single', 'character-string'],
  [BINARY, 'change-of-state-count elapsed-active-time', 'single', 'unsigned'],
  ['binary-input binary-output', 'polarity', 'single', 'enumerated'],
  ['binary-input binary-value', 'alarm-value', 'single', 'enumerated'],
  ['binary-output', 'feedback-value', 'single', 'enumerated'],
  ['binary-output binary-value', 'relinquish-default', 'single', 'enumerated'],
  ['binary-output binary-value', 'minimum-off-time minimum-on-time', 'single', 'unsigned'],
  // Multi-state input, output, value (12.18-12.20).
  [MULTI_STATE, 'present-value number-of-states', 'single', 'unsigned'],
  [MULTI_STATE, 'state-text', 'array', 'character-string'],
  ['multi-state-input multi-state-value', 'alarm-values fault-values', 'list', 'unsigned'],
  ['multi-state-output', 'feedback-value', 'single', 'unsigned'],
  ['multi-state-output multi-state-value', 'relinquish-default', 'single', 'unsigned'],
  // Device (12.11).
  ['device', 'system-status segmentation-supported last-restart-reason backup-and-restore-state', 'single', 'enumerated'],
  ['device', 'vendor-name model-name firmware-revision application-software-version location', 'single', 'character-string'],
  ['device', 'serial-number deployed-profile-location', 'single', 'character-string'],
  ['device', 'vendor-identifier protocol-version protocol-revision max-apdu-length-accepted', 'single', 'unsigned'],
  ['device', 'max-segments-accepted apdu-segment-timeout apdu-timeout number-of-apdu-retries', 'single', 'unsigned'],
  ['device', 'database-revision interval-offset time-synchronization-interval backup-failure-timeout', 'single', 'unsigned'],
  ['device', 'backup-preparation-time restore-completion-time restore-preparation-time', 'single', 'unsigned'],
  ['device', 'max-master max-info-frames', 'single', 'unsigned'],
  ['device', 'protocol-services-supported protocol-object-types-supported', 'single', 'bit-string'],
  ['device', 'object-list structured-object-list configuration-files', 'array', 'object-identifier'],
  ['device', 'local-date', 'single', 'date'],
  ['device', 'local-time', 'single', 'time'],
  ['device', 'utc-offset', 'single', 'signed'],
  ['device', 'daylight-savings-status align-intervals', 'single', 'boolean'],
  // After every present-value: a priority array holds present-value's type.
  [COMMANDABLE, 'priority-array', 'priority-array', 'enumerated'],
];

/** One (object type, property) of the table, by kebab names, with its datatype. */
export interface DatatypeEntry {
  readonly objectType: string;
  readonly property: string;
  readonly datatype: PropertyDatatype;
}

const PRESENT_VALUE = numberOf(PROPERTY_IDENTIFIERS, 'present-value');
const key = (objectType: number, property: number): string => `${objectType}/${property}`;

const BY_KEY = new Map<string, PropertyDatatype>();
const ENTRIES: DatatypeEntry[] = [];
for (const [types, properties, shape, element] of ROWS) {
  for (const type of types.split(' ')) {
    const typeNumber = numberOf(OBJECT_TYPES, type);
    for (const property of properties.split(' ')) {
      const propertyNumber = numberOf(PROPERTY_IDENTIFIERS, property);
      const enumeration = element === 'enumerated' ? enumerationFor(typeNumber, shape === 'priority-array' ? PRESENT_VALUE : propertyNumber) : null;
      const datatype: PropertyDatatype = { shape, element: priorityElement(typeNumber, shape, element), enumeration };
      if (BY_KEY.has(key(typeNumber, propertyNumber))) throw new Error(`property datatypes: ${type} ${property} twice`);
      BY_KEY.set(key(typeNumber, propertyNumber), datatype);
      ENTRIES.push({ objectType: type, property, datatype });
    }
  }
}

/** A priority array holds present-value's type: the row says "enumerated" only as a placeholder. */
function priorityElement(objectType: number, shape: PropertyDatatype['shape'], element: ElementType): ElementType {
  if (shape !== 'priority-array') return element;
  const presentValue = BY_KEY.get(key(objectType, PRESENT_VALUE));
  if (presentValue === undefined) throw new Error(`property datatypes: priority-array of ${nameOf(OBJECT_TYPES, objectType)} before its present-value`);
  return presentValue.element;
}

/** Every (object type, property) the table knows, in table order. */
export const PROPERTY_DATATYPES: readonly DatatypeEntry[] = ENTRIES;

/**
 * The datatype of `property` in an object of `objectType` (names or numbers),
 * or null when the table does not know it (proprietary, constructed, other object types).
 * @throws NameError for an unknown name or a number out of range
 */
export function propertyDatatype(objectType: number | string, property: number | string): PropertyDatatype | null {
  return BY_KEY.get(key(numberOf(OBJECT_TYPES, objectType), numberOf(PROPERTY_IDENTIFIERS, property))) ?? null;
}

/**
 * The table naming enumerated values of `property` (numbers) in an object of
 * `objectType`: the datatype's (present-value's for a priority array), else
 * the property's standard enumeration, else null.
 */
export function enumerationOf(objectType: number, property: number, datatype: PropertyDatatype | null): NameTable | null {
  return datatype !== null ? datatype.enumeration : enumerationFor(objectType, property);
}
