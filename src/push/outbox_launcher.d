src/push/outbox_launcher.o: src/push/outbox_launcher.cpp \
 src/push/outbox_launcher.h src/pg/pg_headers.h src/push/outbox_worker.h \
 src/extension/settings.h
src/push/outbox_launcher.h:
src/pg/pg_headers.h:
src/push/outbox_worker.h:
src/extension/settings.h:
