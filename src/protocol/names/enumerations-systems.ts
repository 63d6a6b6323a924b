/**
 * The enumerated types of the access-control, elevator and escalator,
 * network-port, audit and structured-view properties (clause 21), keyed by
 * ASN.1 type name in kebab case. Each line starts at the number of its first
 * name; `_` is an unassigned number.
 */
import { NameTable, defineEnumeration } from './name-table';

/** Types of the access-control objects (access point, zone, user, credential). */
export const ACCESS_ENUMERATIONS = {
  'access-event': defineEnumeration('access-event', [
    [0, 'none granted muster passback-detected duress trace lockout-max-attempts lockout-other'],
    [8, 'lockout-relinquished locked-by-higher-authority out-of-service out-of-service-relinquished'],
    [12, 'accompaniment-by authentication-factor-read authorization-delayed verification-required'],
    [128, 'denied-deny-all denied-unknown-credential denied-authentication-unavailable'],
    [131, 'denied-authentication-factor-timeout denied-incorrect-authentication-factor'],
    [133, 'denied-zone-no-access-rights denied-point-no-access-rights denied-no-access-rights'],
    [136, 'denied-out-of-time-range denied-threat-level denied-passback'],
    [139, 'denied-unexpected-location-usage denied-max-attempts denied-lower-occupancy-limit'],
    [142, 'denied-upper-occupancy-limit denied-authentication-factor-lost'],
    [144, 'denied-authentication-factor-stolen denied-authentication-factor-damaged'],
    [146, 'denied-authentication-factor-destroyed denied-authentication-factor-disabled'],
    [148, 'denied-authentication-factor-error denied-credential-unassigned'],
    [150, 'denied-credential-not-provisioned denied-credential-not-yet-active'],
    [152, 'denied-credential-expired denied-credential-manual-disable denied-credential-lockout'],
    [155, 'denied-credential-max-days denied-credential-max-uses denied-credential-inactivity'],
    [158, 'denied-credential-disabled denied-no-accompaniment denied-incorrect-accompaniment'],
    [161, 'denied-lockout denied-verification-failed denied-verification-timeout denied-other'],
  ]),
  'access-zone-occupancy-state': defineEnumeration('access-zone-occupancy-state', [
    [0, 'normal below-lower-limit at-lower-limit at-upper-limit above-upper-limit disabled'],
    [6, 'not-supported'],
  ]),
  'access-user-type': defineEnumeration('access-user-type', 'asset group person'),
  'access-passback-mode': defineEnumeration('access-passback-mode', 'passback-off hard-passback soft-passback'),
  'access-credential-disable': defineEnumeration(
    'access-credential-disable',
    'none disable disable-manual disable-lockout',
  ),
  'access-credential-disable-reason': defineEnumeration('access-credential-disable-reason', [
    [0, 'disabled disabled-needs-provisioning disabled-unassigned disabled-not-yet-active'],
    [4, 'disabled-expired disabled-lockout disabled-max-days disabled-max-uses'],
    [8, 'disabled-inactivity disabled-manual'],
  ]),
  'authentication-status': defineEnumeration('authentication-status', [
    [0, 'not-ready ready disabled waiting-for-authentication-factor waiting-for-accompaniment'],
    [5, 'waiting-for-verification in-progress'],
  ]),
  'authorization-mode': defineEnumeration('authorization-mode', [
    [0, 'authorize grant-active deny-all verification-required authorization-delayed none'],
  ]),
} satisfies Record<string, NameTable>;

/** Types of the elevator-group, lift and escalator objects. */
export const LIFT_ENUMERATIONS = {
  'escalator-fault': defineEnumeration('escalator-fault', [
    [0, 'controller-fault drive-and-motor-fault mechanical-component-fault overspeed-fault'],
    [4, 'power-supply-fault safety-device-fault controller-supply-fault drive-temperature-exceeded'],
    [8, 'comb-plate-fault'],
  ]),
  'escalator-mode': defineEnumeration('escalator-mode', 'unknown stop up down inspection out-of-service'),
  'escalator-operation-direction': defineEnumeration('escalator-operation-direction', [
    [0, 'unknown stopped up-rated-speed up-reduced-speed down-rated-speed down-reduced-speed'],
  ]),
  'lift-car-direction': defineEnumeration('lift-car-direction', 'unknown none stopped up down up-and-down'),
  'lift-car-door-command': defineEnumeration('lift-car-door-command', 'none open close'),
  'lift-car-drive-status': defineEnumeration('lift-car-drive-status', [
    [0, 'unknown stationary braking accelerate decelerate rated-speed single-floor-jump'],
    [7, 'two-floor-jump three-floor-jump multi-floor-jump'],
  ]),
  'lift-car-mode': defineEnumeration('lift-car-mode', [
    [0, 'unknown normal vip homing parking attendant-control firefighter-control emergency-power'],
    [8, 'inspection cabinet-recall earthquake-operation fire-operation out-of-service'],
    [13, 'occupant-evacuation'],
  ]),
  'lift-fault': defineEnumeration('lift-fault', [
    [0, 'controller-fault drive-and-motor-fault governor-and-safety-gear-fault'],
    [3, 'lift-shaft-device-fault power-supply-fault safety-interlock-fault door-closing-fault'],
    [7, 'door-opening-fault car-stopped-outside-landing-zone call-button-stuck start-failure'],
    [11, 'controller-supply-fault self-test-failure runtime-limit-exceeded position-lost'],
    [15, 'drive-temperature-exceeded load-measurement-fault'],
  ]),
  'lift-group-mode': defineEnumeration(
    'lift-group-mode',
    'unknown normal down-peak two-way four-way emergency-power up-peak',
  ),
} satisfies Record<string, NameTable>;

/** Types of the network-port, audit and structured-view objects. */
export const NETWORK_ENUMERATIONS = {
  'network-type': defineEnumeration('network-type', [
    [0, 'ethernet arcnet mstp ptp lontalk ipv4 zigbee virtual _ ipv6 serial secure-connect'],
  ]),
  'network-number-quality': defineEnumeration(
    'network-number-quality',
    'unknown learned learned-configured configured',
  ),
  'network-port-command': defineEnumeration('network-port-command', [
    [0, 'idle discard-changes renew-fd-registration restart-slave-discovery renew-dhcp'],
    [5, 'restart-autonegotiation disconnect restart-port'],
  ]),
  'ip-mode': defineEnumeration('ip-mode', 'normal foreign bbmd'),
  'protocol-level': defineEnumeration('protocol-level', 'physical protocol bacnet-application non-bacnet-application'),
  'sc-hub-connector-state': defineEnumeration(
    'sc-hub-connector-state',
    'no-hub-connection connected-to-primary connected-to-failover',
  ),
  'audit-level': defineEnumeration('audit-level', 'none audit-all audit-config default'),
  'audit-operation': defineEnumeration('audit-operation', [
    [0, 'read write create delete life-safety acknowledge-alarm device-disable-comm'],
    [7, 'device-enable-comm device-reset device-backup device-restore subscription'],
    [12, 'notification auditing-failure network-changes general'],
  ]),
  'node-type': defineEnumeration('node-type', [
    [0, 'unknown system network device organizational area equipment point collection property'],
    [10, 'functional other subsystem building floor section module tree member protocol room zone'],
  ]),
  relationship: defineEnumeration('relationship', [
    [0, 'unknown default contains contained-by uses used-by commands commanded-by adjusts'],
    [9, 'adjusted-by ingress egress supplies-air receives-air supplies-hot-air receives-hot-air'],
    [16, 'supplies-cool-air receives-cool-air supplies-power receives-power supplies-gas'],
    [21, 'receives-gas supplies-water receives-water supplies-hot-water receives-hot-water'],
    [26, 'supplies-cool-water receives-cool-water supplies-steam receives-steam'],
  ]),
} satisfies Record<string, NameTable>;
