"""Knowledge needs: redact, log, group, review and export what the material cannot answer."""
