import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { FlowEvent } from '../runtime/event';
import type { TaskContext } from '../runtime/task-context';
import { setSpanAttributes } from '../telemetry/task-spans';
import { LogConfig } from './log-config';

/**
 * `log` task: writes one line per event through the task's logger (stderr;
 * carrying the trace and span ids of the `task.handle` span) and passes the
 * event on unchanged. The line has `task`, `event_id`, `bytes` and
 * `metadata`; the payload only with `include_payload: true`, as `payload`.
 *
 * Span attributes on `task.handle`: `log.level` (string).
 *
 * @example
 * ```yaml
 * - { name: audit, type: log, config: { level: info } }
 * ```
 */
@Task({ type: 'log', config: LogConfig })
export class LogTask {
  /** Logs the event and passes it on. */
  @Handler()
  handle(event: FlowEvent, ctx: TaskContext<LogConfig>): FlowEvent {
    const { level, include_payload: includePayload } = ctx.config;
    setSpanAttributes({ 'log.level': level });
    // ctx.logger already carries task and task_id: not repeated here.
    const line: Record<string, unknown> = {
      event_id: event.id,
      bytes: event.size,
      metadata: event.metadata,
    };
    if (includePayload) line.payload = event.data;
    ctx.logger[level](line, 'event');
    // A new event stamped with this handler's span, so downstream spans are its children.
    return event.withData(event.data);
  }
}
