-- The relay each recipient was last tried at: recommendations name the downstream server.
ALTER TABLE recipients ADD COLUMN relay TEXT;
