// Types of the generated standalone validator (scripts/gen-manifest-validator.mjs).

/** One ajv error object. */
export interface ValidationError {
  /** JSON Pointer to the failing value, e.g. `/upstream/variants/0/sha256`. */
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** ajv validate function: true when valid, otherwise `errors` is set. */
export interface ValidateFunction {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}

export declare const validate: ValidateFunction;
export default validate;
