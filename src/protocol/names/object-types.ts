/**
 * BACnetObjectType (clause 21): the object types of 135-2020 and its addenda
 * up to color-temperature (64). 0..127 are ASHRAE's, 128..1023 proprietary
 * (the object identifier's type field is 10 bits).
 */
import { defineTable } from './name-table';

/** Object types, 0..1023. network-security (38) was removed in revision 22; old devices may still list it. */
export const OBJECT_TYPES = defineTable('object-type', 'object type', 1023, [
  [0, 'analog-input analog-output analog-value binary-input binary-output binary-value'],
  [6, 'calendar command device event-enrollment file group loop multi-state-input'],
  [14, 'multi-state-output notification-class program schedule averaging multi-state-value'],
  [20, 'trend-log life-safety-point life-safety-zone accumulator pulse-converter event-log'],
  [26, 'global-group trend-log-multiple load-control structured-view access-door timer'],
  [32, 'access-credential access-point access-rights access-user access-zone'],
  [37, 'credential-data-input network-security bitstring-value characterstring-value'],
  [41, 'date-pattern-value date-value datetime-pattern-value datetime-value integer-value'],
  [46, 'large-analog-value octetstring-value positive-integer-value time-pattern-value'],
  [50, 'time-value notification-forwarder alert-enrollment channel lighting-output'],
  [55, 'binary-lighting-output network-port elevator-group escalator lift staging'],
  [61, 'audit-log audit-reporter color color-temperature'],
]);

/** The Device object type (8): `"device"` alone means the target device's own. */
export const DEVICE_OBJECT_TYPE = 8;
