DROP INDEX "notifications_due";--> statement-breakpoint
CREATE INDEX "notifications_due" ON "notifications" USING btree ("channel","next_attempt_at") WHERE status = 'PENDING';