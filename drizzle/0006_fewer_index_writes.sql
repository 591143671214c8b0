DROP INDEX `lead_events_at`;--> statement-breakpoint
DROP INDEX `offers_agent_state`;--> statement-breakpoint
DROP INDEX `leads_source_external_unique`;--> statement-breakpoint
DROP INDEX `leads_owner_id`;--> statement-breakpoint
CREATE UNIQUE INDEX `leads_source_external_unique` ON `leads` (`source_id`,`external_id`) WHERE external_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `leads_owner_id` ON `leads` (`owner_id`,`id`) WHERE owner_id IS NOT NULL;