src/push/pushgateway.o: src/push/pushgateway.cpp src/push/pushgateway.h \
 src/pg/pg_headers.h src/core/push_client.h \
 src/extension/database_claims.h src/core/grouping_key_path.h \
 src/core/metrics_payload.h src/core/report.h src/extension/settings.h
src/push/pushgateway.h:
src/pg/pg_headers.h:
src/core/push_client.h:
src/extension/database_claims.h:
src/core/grouping_key_path.h:
src/core/metrics_payload.h:
src/core/report.h:
src/extension/settings.h:
