import { FlowgenError } from '../errors/flowgen-error';

/** A decorator was used where it cannot work; the message says where and what to do. */
export class DecoratorError extends FlowgenError {
  constructor(message: string) {
    super('FLOWGEN_DECORATOR_MISUSE', message);
  }
}
