-- The delivery status of each subscription (timesSent, timesFailed, lastNotification,
-- lastSuccess, lastFailure) as JSON, so it survives a restart.
ALTER TABLE twin_subscriptions ADD COLUMN status TEXT;
