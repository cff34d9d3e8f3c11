import * as z from 'zod';

/** What the owner is told about (issue #13): a video (or a follow-up) became ready, or failed. */
export const NOTIFICATION_OUTCOMES = ['ready', 'failed'] as const;
export type NotificationOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

/**
 * `users/{uid}/notifications/{requestId}_{outcome}`: created if absent, so a duplicate delivery of the outcome
 * finds it and tells nobody twice. Locally the collection is the outbox the API and the console show; on Firebase
 * its creation is also sent to the owner's devices through FCM.
 */
export const NotificationSchema = z.object({
  id: z.string(),
  uid: z.string(),
  requestId: z.string(),
  outcome: z.enum(NOTIFICATION_OUTCOMES),
  /** Set when the request is a follow-up: the original it is a version of. */
  followUpOf: z.string().optional(),
  title: z.string(),
  body: z.string(),
  /** The error code of a failure. */
  errorCode: z.string().optional(),
  createdAt: z.string(),
  read: z.boolean(),
});
export type Notification = z.infer<typeof NotificationSchema>;

export function notificationId(requestId: string, outcome: NotificationOutcome): string {
  return `${requestId}_${outcome}`;
}

/** `users/{uid}/devices/{token}`: a device that wants pushes. */
export const DeviceSchema = z.object({ token: z.string(), platform: z.string().optional(), registeredAt: z.string() });
export type Device = z.infer<typeof DeviceSchema>;
