/**
 * The enumerated types of the standard objects' properties (clause 21),
 * each a table keyed by its ASN.1 type name in kebab case (`binary-pv` is
 * BACnetBinaryPV). Values without a name here (proprietary, or added by a
 * revision after these) stay numbers. Values of the access-control,
 * elevator, network-port and audit types are in enumerations-systems.ts.
 */
import { NameTable, defineEnumeration } from './name-table';

/** Types of input, output and value objects, events, the device and schedules. */
export const CORE_ENUMERATIONS = {
  'binary-pv': defineEnumeration('binary-pv', 'inactive active'),
  'event-state': defineEnumeration('event-state', 'normal fault offnormal high-limit low-limit life-safety-alarm'),
  reliability: defineEnumeration('reliability', [
    [0, 'no-fault-detected no-sensor over-range under-range open-loop shorted-loop no-output'],
    [7, 'unreliable-other process-error multi-state-fault configuration-error _ communication-failure'],
    [13, 'member-fault monitored-object-fault tripped lamp-failure activation-failure'],
    [18, 'renew-dhcp-failure renew-fd-registration-failure restart-auto-negotiation-failure'],
    [21, 'restart-failure proprietary-command-failure faults-listed referenced-object-fault'],
    [25, 'multi-state-out-of-range'],
  ]),
  polarity: defineEnumeration('polarity', 'normal reverse'),
  'device-status': defineEnumeration(
    'device-status',
    'operational operational-read-only download-required download-in-progress non-operational backup-in-progress',
  ),
  segmentation: defineEnumeration('segmentation', 'segmented-both segmented-transmit segmented-receive no-segmentation'),
  'notify-type': defineEnumeration('notify-type', 'alarm event ack-notification'),
  'event-type': defineEnumeration('event-type', [
    [0, 'change-of-bitstring change-of-state change-of-value command-failure floating-limit out-of-range'],
    [8, 'change-of-life-safety extended buffer-ready unsigned-range _ access-event double-out-of-range'],
    [15, 'signed-out-of-range unsigned-out-of-range change-of-characterstring change-of-status-flags'],
    [19, 'change-of-reliability none change-of-discrete-value change-of-timer'],
  ]),
  'fault-type': defineEnumeration('fault-type', [
    [0, 'none fault-characterstring fault-extended fault-life-safety fault-state fault-status-flags'],
    [6, 'fault-out-of-range fault-listed'],
  ]),
  action: defineEnumeration('action', 'direct reverse'),
  'file-access-method': defineEnumeration('file-access-method', 'record-access stream-access'),
  'program-state': defineEnumeration('program-state', 'idle loading running waiting halted unloading'),
  'program-request': defineEnumeration('program-request', 'ready load run halt restart unload'),
  'program-error': defineEnumeration('program-error', 'normal load-failed internal program other'),
  'shed-state': defineEnumeration('shed-state', 'shed-inactive shed-request-pending shed-compliant shed-non-compliant'),
  'restart-reason': defineEnumeration('restart-reason', [
    [0, 'unknown coldstart warmstart detected-power-lost detected-powered-off hardware-watchdog'],
    [6, 'software-watchdog suspended activate-changes'],
  ]),
  'backup-state': defineEnumeration('backup-state', [
    [0, 'idle preparing-for-backup preparing-for-restore performing-a-backup performing-a-restore'],
    [5, 'backup-failure restore-failure'],
  ]),
  'logging-type': defineEnumeration('logging-type', 'polled cov triggered'),
  'timer-state': defineEnumeration('timer-state', 'idle running expired'),
  'timer-transition': defineEnumeration('timer-transition', [
    [0, 'none idle-to-running running-to-idle running-to-running running-to-expired'],
    [5, 'forced-to-expired expired-to-idle expired-to-running'],
  ]),
  'write-status': defineEnumeration('write-status', 'idle in-progress successful failed'),
  'vt-class': defineEnumeration('vt-class', 'default-terminal ansi-x3-64 dec-vt52 dec-vt100 dec-vt220 hp-700-94 ibm-3130'),
  'lighting-operation': defineEnumeration('lighting-operation', [
    [0, 'none fade-to ramp-to step-up step-down step-on step-off warn warn-off warn-relinquish'],
    [10, 'stop restore-on default-on toggle-restore toggle-default'],
  ]),
  'lighting-in-progress': defineEnumeration(
    'lighting-in-progress',
    'idle fade-active ramp-active not-controlled other trim-active',
  ),
  'lighting-transition': defineEnumeration('lighting-transition', 'none fade ramp'),
  'binary-lighting-pv': defineEnumeration('binary-lighting-pv', 'off on warn warn-off warn-relinquish stop toggle'),
} satisfies Record<string, NameTable>;

/** Types of the life-safety and access-door objects. */
export const SAFETY_ENUMERATIONS = {
  'life-safety-state': defineEnumeration('life-safety-state', [
    [0, 'quiet pre-alarm alarm fault fault-pre-alarm fault-alarm not-ready active tamper'],
    [9, 'test-alarm test-active test-fault test-fault-alarm holdup duress tamper-alarm abnormal'],
    [17, 'emergency-power delayed blocked local-alarm general-alarm supervisory test-supervisory'],
    [24, 'non-default-mode oeo-unavailable oeo-alarm oeo-phase1-recall oeo-evacuate oeo-unaffected'],
    [30, 'test-oeo-unavailable test-oeo-alarm test-oeo-phase1-recall test-oeo-evacuate'],
    [34, 'test-oeo-unaffected'],
  ]),
  'life-safety-mode': defineEnumeration('life-safety-mode', [
    [0, 'off on test manned unmanned armed disarmed prearmed slow fast disconnected enabled'],
    [12, 'disabled automatic-release-disabled default activated-oeo-alarm activated-oeo-evacuate'],
    [17, 'activated-oeo-phase1-recall activated-oeo-unavailable deactivated'],
  ]),
  'life-safety-operation': defineEnumeration('life-safety-operation', [
    [0, 'none silence silence-audible silence-visual reset reset-alarm reset-fault unsilence'],
    [8, 'unsilence-audible unsilence-visual'],
  ]),
  'silenced-state': defineEnumeration('silenced-state', 'unsilenced audible-silenced visible-silenced all-silenced'),
  maintenance: defineEnumeration(
    'maintenance',
    'none periodic-test need-service-operational need-service-inoperative',
  ),
  'door-value': defineEnumeration('door-value', 'lock unlock pulse-unlock extended-pulse-unlock'),
  'lock-status': defineEnumeration('lock-status', 'locked unlocked lock-fault unused unknown'),
  'door-status': defineEnumeration(
    'door-status',
    'closed opened unknown door-fault unused none closing opening safety-locked limited-opened',
  ),
  'door-secured-status': defineEnumeration('door-secured-status', 'secured unsecured unknown'),
  'door-alarm-state': defineEnumeration('door-alarm-state', [
    [0, 'normal alarm door-open-too-long forced-open tamper door-fault lock-down free-access'],
    [8, 'egress-open'],
  ]),
} satisfies Record<string, NameTable>;
