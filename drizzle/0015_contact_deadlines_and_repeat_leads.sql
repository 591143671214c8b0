CREATE TABLE `lead_contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lead_id` integer NOT NULL,
	`kind` text NOT NULL,
	`note` text,
	`at` integer NOT NULL,
	`by_user_id` integer NOT NULL,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `lead_contacts_lead` ON `lead_contacts` (`lead_id`,`id`);--> statement-breakpoint
DROP INDEX `offers_one_accepted_per_lead`;--> statement-breakpoint
ALTER TABLE `offers` ADD `reclaimed_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `offers_one_accepted_per_lead` ON `offers` (`lead_id`) WHERE state = 'ACCEPTED' AND reclaimed_at IS NULL;--> statement-breakpoint
ALTER TABLE `lead_sources` ADD `contact_deadline_seconds` integer;--> statement-breakpoint
ALTER TABLE `lead_sources` ADD `repeat_leads_to_owner` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `leads` ADD `repeat_of_id` integer;--> statement-breakpoint
ALTER TABLE `leads` ADD `contact_due_at` integer;--> statement-breakpoint
ALTER TABLE `leads` ADD `last_contact_at` integer;--> statement-breakpoint
CREATE INDEX `leads_contact_due` ON `leads` (`contact_due_at`) WHERE contact_due_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `leads_email_id` ON `leads` (`email`,`id`) WHERE email IS NOT NULL;--> statement-breakpoint
CREATE INDEX `leads_phone_id` ON `leads` (`phone`,`id`) WHERE phone IS NOT NULL;--> statement-breakpoint
CREATE INDEX `lead_events_reclaimed` ON `lead_events` (`at`,`agent_id`) WHERE type = 'RECLAIMED';