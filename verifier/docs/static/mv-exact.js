/* margin-verifier: exact rational arithmetic for the rule pages' calculators (no floats anywhere).
 *
 * A number is {n, d}: BigInt numerator and denominator, reduced, d > 0.  The operations are those the generated
 * code of verifier/docs/js_exact.py calls (Q.n, Q.v, Q.add, Q.mul, Q.pow, Q.min, Q.max, Q.abs, Q.none and the
 * comparisons), with the meaning of Python's fractions.Fraction: a zero denominator throws Q.ZeroDivision, a
 * missing value Q.Missing.  Text in and out mirrors verifier/model/numbers.py (decimal_text, fixed_text,
 * grouped_text, Fraction's str) and Display.round_price, so the page writes what `evaluate` writes.
 */
(function (root) {
  "use strict";

  class ZeroDivision extends Error {}
  class Missing extends Error {
    constructor(name) {
      super("missing " + name);
      this.missing = name;
    }
  }

  const abs = (x) => (x < 0n ? -x : x);
  function gcd(a, b) {
    a = abs(a);
    b = abs(b);
    while (b) [a, b] = [b, a % b];
    return a;
  }
  function make(n, d) {
    if (d === 0n) throw new ZeroDivision("division by zero");
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d);
    return g > 1n ? { n: n / g, d: d / g } : { n, d };
  }
  const cmp = (a, b) => {
    const x = a.n * b.d - b.n * a.d;
    return x < 0n ? -1 : x > 0n ? 1 : 0;
  };
  const add2 = (a, b) => make(a.n * b.d + b.n * a.d, a.d * b.d);
  const mul2 = (a, b) => make(a.n * b.n, a.d * b.d);
  const ZERO = { n: 0n, d: 1n };
  const ONE = { n: 1n, d: 1n };

  function pow(a, k) {
    if (k < 0n) {
      if (a.n === 0n) throw new ZeroDivision("zero to a negative power");
      a = make(a.d, a.n);
      k = -k;
    }
    return make(a.n ** k, a.d ** k);
  }

  const Q = {
    ZeroDivision,
    Missing,
    ZERO,
    ONE,
    n: (n, d) => make(n, d === undefined ? 1n : d),
    v: (values, name) => {
      const x = values[name];
      if (x === undefined || x === null) throw new Missing(name);
      return x;
    },
    add: (...xs) => xs.reduce(add2),
    mul: (...xs) => xs.reduce(mul2),
    sub: (a, b) => add2(a, { n: -b.n, d: b.d }),
    div: (a, b) => mul2(a, pow(b, -1n)),
    neg: (a) => ({ n: -a.n, d: a.d }),
    pow,
    min: (...xs) => xs.reduce((a, b) => (cmp(b, a) < 0 ? b : a)),
    max: (...xs) => xs.reduce((a, b) => (cmp(b, a) > 0 ? b : a)),
    abs: (a) => ({ n: abs(a.n), d: a.d }),
    none: () => {
      throw new ZeroDivision("no piece applies");
    },
    cmp,
    lt: (a, b) => cmp(a, b) < 0,
    le: (a, b) => cmp(a, b) <= 0,
    gt: (a, b) => cmp(a, b) > 0,
    ge: (a, b) => cmp(a, b) >= 0,
    eq: (a, b) => cmp(a, b) === 0,
    ne: (a, b) => cmp(a, b) !== 0,
    isZero: (a) => a.n === 0n,

    /** A decimal as the account schema accepts it (the same pattern), exactly; null when it is not one. */
    parse(text, pattern) {
      if (typeof text !== "string" || !new RegExp(pattern).test(text)) return null;
      const m = /^\s*([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*$/.exec(text);
      if (!m) return null;
      const digits = (m[2] || "") + (m[3] || "");
      let value = make(BigInt(digits || "0"), 10n ** BigInt((m[3] || "").length));
      const exponent = BigInt(m[4] || "0");
      value = mul2(value, pow({ n: 10n, d: 1n }, exponent));
      return m[1] === "-" ? Q.neg(value) : value;
    },

    /** Python's str(Fraction): "3", "-1/3". */
    str: (a) => (a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`),

    /** Decimals that write a exactly, or null when its expansion does not terminate. */
    terminatingPlaces(a) {
      let d = a.d;
      let twos = 0;
      let fives = 0;
      while (d % 2n === 0n) {
        d /= 2n;
        twos += 1;
      }
      while (d % 5n === 0n) {
        d /= 5n;
        fives += 1;
      }
      return d === 1n ? Math.max(twos, fives) : null;
    },

    /** a rounded half-up (away from zero at the half) to exactly `places` decimals (numbers.fixed_text). */
    fixed(a, places) {
      const scale = 10n ** BigInt(places);
      const scaled = make(abs(a.n) * scale, a.d);
      const integer = (2n * scaled.n + scaled.d) / (2n * scaled.d);
      let text = integer.toString().padStart(places + 1, "0");
      if (places > 0) text = text.slice(0, -places) + "." + text.slice(-places);
      return (a.n < 0n && integer !== 0n ? "-" : "") + text;
    },

    /** numbers.decimal_text: exact within `places` (default 18) decimals, else rounded half-up. */
    decimal(a, places) {
      const limit = places === undefined ? 18 : places;
      const digits = Q.terminatingPlaces(a);
      if (digits !== null && digits <= limit) return Q.fixed(a, digits);
      const text = Q.fixed(a, limit);
      return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
    },

    /** numbers.grouped_text: exact within `places` (default 8) decimals, else "~" and rounded; thousands grouped. */
    grouped(a, places) {
      const limit = places === undefined ? 8 : places;
      const digits = Q.terminatingPlaces(a);
      let text = Q.decimal(a, limit);
      const mark = digits !== null && digits <= limit ? "" : "~";
      const sign = text.startsWith("-") ? "-" : "";
      if (sign) text = text.slice(1);
      const [integer, decimals] = text.split(".");
      const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
      return mark + sign + grouped + (decimals !== undefined ? "." + decimals : "");
    },

    /** Display.round_price: a price at the tick, rounded as the rule says (half-up when it says nothing). */
    roundTo(price, tick, mode) {
      const units = mul2(price, pow(tick, -1n));
      const floor = units.n >= 0n ? units.n / units.d : -((-units.n + units.d - 1n) / units.d);
      const rest = add2(units, { n: -floor, d: 1n });
      const half = { n: 1n, d: 2n };
      let k;
      switch (mode || "half-up") {
        case "half-up":
          k = floor + (cmp(rest, half) >= 0 ? 1n : 0n);
          break;
        case "half-even":
          k = floor + (cmp(rest, half) > 0 || (cmp(rest, half) === 0 && abs(floor) % 2n === 1n) ? 1n : 0n);
          break;
        case "down":
          k = floor;
          break;
        case "up":
          k = floor + (rest.n > 0n ? 1n : 0n);
          break;
        case "toward-zero":
          k = floor + (rest.n > 0n && units.n < 0n ? 1n : 0n);
          break;
        default:
          throw new Error("unknown rounding " + mode);
      }
      return mul2({ n: k, d: 1n }, tick);
    },

    /** Decimals of a tick (Display.price_decimals). */
    tickPlaces(tick) {
      const digits = Q.terminatingPlaces(tick);
      return digits === null ? 18 : digits;
    },
  };

  root.MVQ = Q;
})(typeof window !== "undefined" ? window : globalThis);
