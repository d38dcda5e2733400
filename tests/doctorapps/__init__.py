"""Small apps of the kinds a user brings to the doctor (server.app=tests.doctorapps.X:app)."""
