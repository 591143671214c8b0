ALTER TABLE `api_tokens` ADD `label` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `revoked_at` integer;