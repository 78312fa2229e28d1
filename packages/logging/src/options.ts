/**
 * Options of {@link pinoPassportMixin} and {@link winstonPassportFormat}.
 * @example
 * ```ts
 * pinoPassportMixin(relay, { fields: ['sub', 'tenant'], key: 'caller' });
 * ```
 */
export interface PassportLogOptions {
  /**
   * The passport fields to write, by name. Only these are written, and never the token the passport
   * arrived as. A field the passport lacks is left out.
   * @default ['sub']
   */
  readonly fields?: readonly string[];
  /**
   * The property the fields go under (`{"passport":{"sub":"alice"}}`), or `false` to write them at
   * the top level of the line (`{"sub":"alice"}`).
   * @default 'passport'
   */
  readonly key?: string | false;
}
