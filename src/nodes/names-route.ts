/**
 * GET /bacnet-bbmd/names: the standard's object type, property and
 * engineering-unit names for the editor's autocomplete in fd-read and
 * fd-write (one list, from the same tables the runtime parses with).
 */
import type { NodeAPI } from 'node-red';
import { ENGINEERING_UNITS, NameTable, OBJECT_TYPES, PROPERTY_IDENTIFIERS } from '../protocol/names';
import { VALUE_TYPES } from '../protocol/primitive-values';

let registeredFor: NodeAPI | null = null;

/** Registers the route once per runtime, whichever node type loads first. */
export function registerNamesRoute(RED: NodeAPI): void {
  if (registeredFor === RED) return;
  registeredFor = RED;
  const body = JSON.stringify({
    objectTypes: namesOf(OBJECT_TYPES),
    properties: namesOf(PROPERTY_IDENTIFIERS),
    units: namesOf(ENGINEERING_UNITS),
    valueTypes: [...VALUE_TYPES],
  });
  RED.httpAdmin.get('/bacnet-bbmd/names', RED.auth.needsPermission('bacnet-bbmd.read'), (_req, res) => {
    res.type('application/json').send(body);
  });
}

function namesOf(table: NameTable): string[] {
  return [...table.names.values()].sort();
}
