import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { IsNotEmpty, IsString, ValidateIf, registerDecorator } from 'class-validator';
import type { ValidationArguments } from 'class-validator';

/**
 * `telemetry.tls`: TLS settings for an `https://` endpoint. Omit it to trust
 * the system's CA store. (There is deliberately no "skip verification" switch:
 * use `ca_file` for a private CA.)
 *
 * @example
 * ```yaml
 * telemetry:
 *   enabled: true
 *   otlp_endpoint: https://otel.internal:4317
 *   tls:
 *     ca_file: /etc/ssl/private-ca.pem
 * ```
 */
export class TelemetryTlsConfig {
  /**
   * Path of a PEM file with the CA certificate(s) to trust for the collector's
   * certificate, instead of the system store. Relative paths are resolved from
   * the working directory. Only valid with an `https://` endpoint; the file must
   * exist and be readable when the config is loaded.
   */
  @IsReadableFile()
  @IsNotEmpty({ message: 'must not be empty; give the path of a PEM file' })
  @IsString({ message: 'must be a string: the path of a PEM file' })
  @ValidateIf((config: TelemetryTlsConfig) => config.ca_file !== undefined)
  ca_file?: string;

  /** `ca_file` resolved to an absolute path, or undefined. */
  get caFilePath(): string | undefined {
    return this.ca_file === undefined ? undefined : resolve(this.ca_file);
  }
}

function IsReadableFile(): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isReadableFile',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments): string =>
          `${readProblem(args.value) ?? 'cannot be read'}; give the path of a readable PEM file (relative paths are resolved from ${process.cwd()})`,
      },
      validator: { validate: (value: unknown): boolean => readProblem(value) === undefined },
    });
  };
}

function readProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const path = resolve(value);
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `${path} does not exist`
      : `${path} cannot be read (${code ?? 'error'})`;
  }
}
