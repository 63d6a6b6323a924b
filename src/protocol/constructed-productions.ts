/**
 * The clause 21 constructed productions used by the properties of the Device
 * object and of the analog-, binary- and multi-state- objects, as data: each
 * field with its kebab name from the ASN.1, its tag (context [n], or
 * application-tagged / inline when absent) and its type. One walker
 * (constructed-values.ts) decodes and encodes them all, so a production is
 * a few lines here rather than a pair of functions.
 */
import { ValueType } from './primitive-values';
import { ALL_OBJECT_TYPES, BINARY_OBJECT_TYPES } from './property-datatypes';

/** A primitive leaf: a valueType, or an enumerated BACnetPropertyIdentifier given by name. */
export type Leaf = ValueType | 'property-identifier';

export interface FieldSpec {
  /** The ASN.1 field name in kebab case: the key of the decoded object. */
  readonly name: string;
  /**
   * Context tag number. Absent: a leaf is application-tagged, a production is
   * inline (its fields follow without opening and closing tags).
   */
  readonly tag?: number;
  readonly type: Leaf | Production;
  readonly optional?: boolean;
}

/** A SEQUENCE (an object with every field, optional ones when present) or a CHOICE (an object with one field). */
export interface Production {
  readonly name: string;
  readonly kind: 'sequence' | 'choice';
  readonly fields: readonly FieldSpec[];
}

const sequence = (name: string, ...fields: FieldSpec[]): Production => ({ name, kind: 'sequence', fields });
const choice = (name: string, ...fields: FieldSpec[]): Production => ({ name, kind: 'choice', fields });

/** BACnetDateTime ::= SEQUENCE { date Date, time Time } */
export const DATE_TIME = sequence('BACnetDateTime', { name: 'date', type: 'date' }, { name: 'time', type: 'time' });

/** BACnetTimeStamp ::= CHOICE { time [0] Time, sequence-number [1] Unsigned (0..65535), datetime [2] BACnetDateTime } */
export const TIME_STAMP = choice(
  'BACnetTimeStamp',
  { name: 'time', tag: 0, type: 'time' },
  { name: 'sequence-number', tag: 1, type: 'unsigned' },
  { name: 'datetime', tag: 2, type: DATE_TIME },
);

/** BACnetAddress ::= SEQUENCE { network-number Unsigned16, mac-address OctetString } */
export const ADDRESS = sequence('BACnetAddress', { name: 'network-number', type: 'unsigned' }, { name: 'mac-address', type: 'octet-string' });

/** BACnetAddressBinding ::= SEQUENCE { device-identifier BACnetObjectIdentifier, device-address BACnetAddress } */
export const ADDRESS_BINDING = sequence(
  'BACnetAddressBinding',
  { name: 'device-identifier', type: 'object-identifier' },
  { name: 'device-address', type: ADDRESS },
);

/** BACnetObjectPropertyReference ::= SEQUENCE { object-identifier [0], property-identifier [1], property-array-index [2] OPTIONAL } */
export const OBJECT_PROPERTY_REFERENCE = sequence(
  'BACnetObjectPropertyReference',
  { name: 'object-identifier', tag: 0, type: 'object-identifier' },
  { name: 'property-identifier', tag: 1, type: 'property-identifier' },
  { name: 'property-array-index', tag: 2, type: 'unsigned', optional: true },
);

/** BACnetDeviceObjectPropertyReference: the above and device-identifier [3] OPTIONAL. */
export const DEVICE_OBJECT_PROPERTY_REFERENCE = sequence(
  'BACnetDeviceObjectPropertyReference',
  ...OBJECT_PROPERTY_REFERENCE.fields,
  { name: 'device-identifier', tag: 3, type: 'object-identifier', optional: true },
);

/** BACnetDeviceObjectReference ::= SEQUENCE { device-identifier [0] OPTIONAL, object-identifier [1] } */
export const DEVICE_OBJECT_REFERENCE = sequence(
  'BACnetDeviceObjectReference',
  { name: 'device-identifier', tag: 0, type: 'object-identifier', optional: true },
  { name: 'object-identifier', tag: 1, type: 'object-identifier' },
);

/** BACnetRecipient ::= CHOICE { device [0] BACnetObjectIdentifier, address [1] BACnetAddress } */
export const RECIPIENT = choice('BACnetRecipient', { name: 'device', tag: 0, type: 'object-identifier' }, { name: 'address', tag: 1, type: ADDRESS });

/** BACnetRecipientProcess ::= SEQUENCE { recipient [0] BACnetRecipient, process-identifier [1] Unsigned32 } */
export const RECIPIENT_PROCESS = sequence(
  'BACnetRecipientProcess',
  { name: 'recipient', tag: 0, type: RECIPIENT },
  { name: 'process-identifier', tag: 1, type: 'unsigned' },
);

/** BACnetCOVSubscription (clause 21), as bacnet-stack's COV handler encodes it. */
export const COV_SUBSCRIPTION = sequence(
  'BACnetCOVSubscription',
  { name: 'recipient', tag: 0, type: RECIPIENT_PROCESS },
  { name: 'monitored-property-reference', tag: 1, type: OBJECT_PROPERTY_REFERENCE },
  { name: 'issue-confirmed-notifications', tag: 2, type: 'boolean' },
  { name: 'time-remaining', tag: 3, type: 'unsigned' },
  { name: 'cov-increment', tag: 4, type: 'real', optional: true },
);

/** Every production by its ASN.1 name. */
export const PRODUCTIONS: ReadonlyMap<string, Production> = new Map(
  [
    DATE_TIME,
    TIME_STAMP,
    ADDRESS,
    ADDRESS_BINDING,
    OBJECT_PROPERTY_REFERENCE,
    DEVICE_OBJECT_PROPERTY_REFERENCE,
    DEVICE_OBJECT_REFERENCE,
    RECIPIENT,
    RECIPIENT_PROCESS,
    COV_SUBSCRIPTION,
  ].map((production) => [production.name, production]),
);

/**
 * A property of a constructed type: one production, a BACnetARRAY or a
 * BACnetLIST of it. fd-write encodes every one from its decoded shape; the
 * device decides what it lets a client write. `writable`: clause 12 lets a
 * client write it (the others are what a device reports: time stamps,
 * learned bindings, subscriptions); for documentation and tests.
 */
export interface ConstructedDatatype {
  readonly shape: 'single' | 'array' | 'list';
  readonly production: Production;
  readonly writable: boolean;
}

type Row = readonly [objectTypes: string, properties: string, shape: ConstructedDatatype['shape'], production: Production, writable: boolean];

/** Clause 12: the constructed properties of the objects of property-datatypes.ts. */
export const CONSTRUCTED_ROWS: readonly Row[] = [
  [ALL_OBJECT_TYPES, 'event-time-stamps', 'array', TIME_STAMP, false],
  [ALL_OBJECT_TYPES, 'event-algorithm-inhibit-ref', 'single', OBJECT_PROPERTY_REFERENCE, true],
  [BINARY_OBJECT_TYPES, 'change-of-state-time time-of-active-time-reset time-of-state-count-reset', 'single', DATE_TIME, false],
  ['device', 'time-of-device-restart last-restore-time', 'single', TIME_STAMP, false],
  ['device', 'device-address-binding slave-address-binding', 'list', ADDRESS_BINDING, false],
  ['device', 'manual-slave-address-binding', 'list', ADDRESS_BINDING, true],
  ['device', 'active-cov-subscriptions', 'list', COV_SUBSCRIPTION, false],
  ['device', 'restart-notification-recipients time-synchronization-recipients utc-time-synchronization-recipients', 'list', RECIPIENT, true],
];
