/**
 * The one error an encoder of application-tagged values throws for a value
 * that does not fit its valueType (clause 20.2). It extends TypeError so a
 * generic `catch` still sees "bad input", and it names the valueType and what
 * it takes, because the message reaches a flow author's Catch node as is.
 */
export class ValueError extends TypeError {
  /** The valueType the value was meant for (or the unknown name that was given). */
  readonly valueType: string;

  constructor(valueType: string, message: string) {
    super(message);
    this.name = 'ValueError';
    this.valueType = valueType;
  }
}

/**
 * "<valueType> takes <accepts>, got <value>" (or ": <problem>").
 * @param accepts what the valueType takes, as a phrase ("an integer 0..4294967295")
 * @param problem what is wrong, when more precise than the value itself ("month is 15")
 */
export function notAccepted(valueType: string, accepts: string, value: unknown, problem?: string): ValueError {
  return new ValueError(valueType, `${valueType} takes ${accepts}${problem === undefined ? `, got ${describeValue(value)}` : `: ${problem}`}`);
}

const MAX_SHOWN = 40;

/** A short description of any value, for messages; never throws. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} octets`;
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} octets`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return shorten(JSON.stringify(value));
    case 'object':
      try {
        return shorten(JSON.stringify(value) ?? 'an object');
      } catch {
        return 'an object'; // cycles, bigints inside
      }
    default:
      return `a ${typeof value}`;
  }
}

function shorten(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN - 1)}…`;
}
