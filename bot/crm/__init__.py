"""The CRMs' side of slabot: their webhooks (`routes`), the job that works their events off
into leads (`work`), and their APIs (`hubspot_api`)."""
