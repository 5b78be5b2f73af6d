src/run/report_date.o: src/run/report_date.cpp src/run/report_date.h \
 src/pg/pg_headers.h src/extension/settings.h
src/run/report_date.h:
src/pg/pg_headers.h:
src/extension/settings.h:
