src/extension/settings.o: src/extension/settings.cpp src/pg/pg_headers.h \
 src/core/report.h src/extension/settings.h
src/pg/pg_headers.h:
src/core/report.h:
src/extension/settings.h:
