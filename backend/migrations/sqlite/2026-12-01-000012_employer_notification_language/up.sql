-- The language of the absence e-mails to the employer's absence address and its arbodienst
-- (SPEC §9): Dutch unless the employer chooses English.
ALTER TABLE employers ADD COLUMN notification_language TEXT NOT NULL DEFAULT 'nl';
