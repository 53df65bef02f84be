import { IsArray, IsInt, IsOptional } from 'class-validator';

/** Config of the `price_lookup` sample task. */
export class PriceLookupConfig {
  /** Event numbers (`data.n`) whose first attempt fails, to show a retry. */
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  fail_once: number[] = [];

  /** Event numbers that fail on every attempt, to show an error after retries. */
  @IsOptional()
  @IsArray()
  @IsInt({ each: true })
  fail_always: number[] = [];
}
