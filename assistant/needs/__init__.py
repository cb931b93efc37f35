"""Knowledge needs: redact, log, group, review and export the questions the material cannot answer."""
