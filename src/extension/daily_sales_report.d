src/extension/daily_sales_report.o: src/extension/daily_sales_report.cpp \
 src/pg/pg_headers.h src/push/outbox_launcher.h src/extension/settings.h
src/pg/pg_headers.h:
src/push/outbox_launcher.h:
src/extension/settings.h:
