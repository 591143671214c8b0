ALTER TABLE `lead_sources` ADD `rr_credits` text;--> statement-breakpoint
ALTER TABLE `lead_sources` ADD `match_service_area` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `lead_sources` ADD `widen_after_rounds` integer;--> statement-breakpoint
ALTER TABLE `settings` ADD `time_zone` text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE `settings` ADD `halt_after_missed_offers` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `time_zone` text;--> statement-breakpoint
ALTER TABLE `users` ADD `working_hours` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `routing_weight` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `daily_lead_cap` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `service_areas` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `missed_offers` integer DEFAULT 0 NOT NULL;