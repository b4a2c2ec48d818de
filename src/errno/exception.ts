// Python's Exception: the shared base of the package's errors, and the brand that keeps instanceof across copies.

/**
 * Each error's brand: the Python qualified names (`builtins.OSError`, `socket.gaierror` …) of
 * the classes it belongs to, on the class prototypes. `Symbol.for` is shared by every copy of
 * the package in the process (two versions in node_modules, a bundled one beside an installed
 * one), so `instanceof` can ask the brand when the prototype chain belongs to another copy.
 */
const BRAND = Symbol.for("asyncore-ts.error");

interface Branded {
  readonly [BRAND]?: readonly string[];
}

/** The qualified names an object's class chain is branded with, own brand last; none for a plain object. */
function brands_of(x: unknown): readonly string[] {
  if (typeof x !== "object" || x === null) return [];
  const b = (x as Branded)[BRAND];
  return Array.isArray(b) ? b : [];
}

/** The qualified name a class itself was branded with; undefined for a class that was not (a user's subclass). */
function own_brand(cls: { readonly prototype: unknown }): string | undefined {
  const p = cls.prototype;
  if (typeof p !== "object" || p === null || !Object.hasOwn(p, BRAND)) return undefined;
  const b = brands_of(p);
  return b[b.length - 1];
}

/**
 * Brands `cls` with a Python qualified name; called from each class's static block. The name is
 * a promise across versions of the package: renaming it breaks instanceof between two copies.
 */
export function brand(cls: { readonly prototype: unknown }, qualname: string): void {
  const chain = [...brands_of(Object.getPrototypeOf(cls.prototype)), qualname];
  Object.defineProperty(cls.prototype, BRAND, { value: Object.freeze(chain) });
}

/**
 * Python's `Exception`, the shared base of every error the package raises: the cause kept (ES2022
 * `{ cause }`), the name of the Python class, and `instanceof` that holds across copies.
 */
export class Exception extends Error {
  static {
    brand(this, "builtins.Exception");
  }

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // A branded class's name comes from its brand, which a minifier cannot rename; a user's
    // subclass shows its own name, as Python's traceback would.
    const qualname = own_brand(new.target);
    this.name = qualname === undefined ? new.target.name : qualname.slice(qualname.lastIndexOf(".") + 1);
  }

  /**
   * `x instanceof C`: C's prototype in x's chain, or, for an error from another copy of the
   * package, C's brand among x's. A class without a brand of its own (a user's subclass) gets
   * the ordinary check only, so it never matches its base's instances.
   */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, x: unknown): x is T {
    if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
    const name = own_brand(this);
    return name !== undefined && brands_of(x).includes(name);
  }
}
