import type * as protobuf from 'protobufjs/light.js';

/**
 * The part of TensorFlow's `Event` protocol buffer that TensorBoard event files need, as a
 * protobufjs JSON descriptor. Field numbers and enum values are those of TensorFlow's
 * `tensorflow/core/util/event.proto` and `tensorflow/core/framework/summary.proto` (proto3);
 * only the fields patchfx writes are listed (a reader skips fields it does not know, and
 * TensorBoard reads nothing else from these events).
 */
const EVENT_DESCRIPTOR: protobuf.INamespace = {
  nested: {
    tensorflow: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['file_version', 'summary', 'session_log'] } },
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
            session_log: { type: 'SessionLog', id: 7 },
          },
        },
        SessionLog: {
          fields: {
            status: { type: 'SessionStatus', id: 1 },
            checkpoint_path: { type: 'string', id: 2 },
            msg: { type: 'string', id: 3 },
          },
          nested: {
            SessionStatus: {
              values: { STATUS_UNSPECIFIED: 0, START: 1, STOP: 2, CHECKPOINT: 3 },
            },
          },
        },
        Summary: {
          fields: {
            value: { rule: 'repeated', type: 'Value', id: 1 },
          },
          nested: {
            Image: {
              fields: {
                height: { type: 'int32', id: 1 },
                width: { type: 'int32', id: 2 },
                colorspace: { type: 'int32', id: 3 },
                encoded_image_string: { type: 'bytes', id: 4 },
              },
            },
            Value: {
              oneofs: { value: { oneof: ['simple_value', 'image'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simple_value: { type: 'float', id: 2 },
                image: { type: 'Image', id: 4 },
              },
            },
          },
        },
      },
    },
  },
};

let eventTypePromise: Promise<protobuf.Type> | null = null;

/**
 * The `tensorflow.Event` message type, built from the descriptor on first use. protobufjs is
 * imported then, not when `@patchfx/viz` loads: programs that write no event file never load it.
 */
export function loadEventType(): Promise<protobuf.Type> {
  eventTypePromise ??= import('protobufjs/light.js').then((pb) =>
    pb.Root.fromJSON(EVENT_DESCRIPTOR).lookupType('tensorflow.Event'),
  );
  return eventTypePromise;
}

/** `SessionLog.SessionStatus.START`. */
export const SESSION_LOG_START = 1;
