/* plugctl-daemon-private.h: what the daemon's two files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl-cli.h"

G_BEGIN_DECLS

typedef struct _Daemon Daemon;

/* A caller on the bus: its calls (to cancel when it leaves) and the events
 * it listens to. */
typedef struct
{
  Daemon       *daemon;
  char         *sender;
  guint         watch_id;
  GCancellable *cancellable;
  GHashTable   *listens;      /* subscription keys */
} Client;

struct _Daemon
{
  PlugctlEngine   *engine;
  PlugctlEngine1  *skeleton;
  GDBusConnection *connection;
  GHashTable      *clients;        /* unique name → Client */
  GHashTable      *subscriptions;  /* keys the plugin `cli` listens to */
  GHashTable      *wakers;         /* key → GPtrArray: plugins it starts */
  GHashTable      *to_wake;        /* plugins to start at wake_id */
  GHashTable      *idle_watches;   /* plugin → IdleWatch (idleTimeout) */
  GHashTable      *operations_on;  /* plugin → Operations under way for it */
  guint            wake_id;
  guint            idle_timeout_s; /* 0: stay */
  guint            idle_id;
  guint            update_idle_id;
  guint            owner_id;
  guint            pending;        /* method calls under way */
  guint            listeners;
  gulong           activated_id;
  gulong           deactivated_id;
  PlugListener    *listener;       /* --listen: pages connect here */
  gboolean         subscribing;
  gboolean         name_acquired;
  gboolean         done;
  int              exit_code;
};

/* A method call that waits on the engine. */
typedef struct
{
  Daemon                *daemon;
  GDBusMethodInvocation *invocation;
  GCancellable          *cancellable;
  char                  *path;     /* Call's path; the plugin of the others */
  char                  *method;   /* Call's method; Listen's event */
  JsonArray             *args;
} Operation;

/* plugctl-daemon.c */
char      *plugctl_daemon_subscription_key   (const char            *emitter,
                                              const char            *event);
/* An event of subscription @key came: starts the plugins whose `start`
 * is "event" and whose `listens` names it. */
void       plugctl_daemon_wake               (Daemon                *self,
                                              const char            *key);
void       plugctl_daemon_set_listeners      (Daemon                *self,
                                              guint                  listeners);
Client    *plugctl_daemon_get_client         (Daemon                *self,
                                              GDBusMethodInvocation *invocation);
/* Takes over the handler's reference to @invocation; counts as a call
 * under way until one of the returns below. */
Operation *plugctl_daemon_operation_new      (Daemon                *self,
                                              GDBusMethodInvocation *invocation,
                                              const char            *path,
                                              const char            *method);
/* Each answers the call and frees @op. */
void       plugctl_daemon_return             (Operation             *op,
                                              GVariant              *value);
void       plugctl_daemon_return_error       (Operation             *op,
                                              const GError          *error);
void       plugctl_daemon_return_start_error (Operation             *op,
                                              const GError          *error);

/* plugctl-daemon-methods.c */
void       plugctl_daemon_connect_methods    (Daemon                *self);
gboolean   plugctl_daemon_subscribe          (Daemon                *self,
                                              const char            *emitter,
                                              const char            *event,
                                              GError               **error);

G_END_DECLS
