/* browser-util.h: what test-browser needs besides the daemon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef gboolean (*Condition) (gpointer data);

/* Iterates the main loop until @condition holds; fails the test after
 * 30 s, naming @what. */
void        wait_until      (Condition   condition,
                             gpointer    data,
                             const char *what);
/* A Condition: *(gboolean *) @data */
gboolean    flag_is_set     (gpointer    data);

/* A page played by libsoup: it answers the handshake with ["echo",
 * "hang"]; echo answers its first argument, hang never answers. */
typedef struct
{
  SoupWebsocketConnection *connection;
  GError                  *error;
  guint                    status;      /* of the HTTP answer */
  gboolean                 done;
  gboolean                 handshaken;
  gboolean                 closed;
  char                    *request_key; /* of the last request it got */
} Page;

/* Connects to @listen as plugin @name with @token; waits for the answer. */
void        page_connect    (Page       *page,
                             const char *listen,
                             const char *name,
                             const char *token);
void        page_clear      (Page       *page);

/* Serves the files of @dir on 127.0.0.1:*@port. */
SoupServer *http_server_new (const char *dir,
                             guint      *port);

void        remove_tree     (const char *path);

G_END_DECLS
