CREATE INDEX two_a ON two (a);
