/* plug-thread-mailbox.h: messages from one thread to another's main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "plugctl.h"

G_BEGIN_DECLS

/**
 * PlugThreadMailbox:
 *
 * A one-way queue of #PlugMessage from any thread to the thread that runs
 * the receiving #GMainContext, where the messages are delivered in order,
 * in batches, by one #GSource (woken with a ready time: no allocation per
 * message beyond the queue link).
 *
 * The sender posts a message it will never touch again (see
 * plug_thread_message_copy()); the receiver takes it over. After
 * plug_thread_mailbox_post_end(), the receiver gets its remaining
 * messages, then one call with a NULL message. A mailbox closed by its
 * receiver refuses new messages and drops the queued ones.
 */
typedef struct _PlugThreadMailbox PlugThreadMailbox;

/* @message is (transfer none) (nullable): NULL says the sender ended. */
typedef void (*PlugThreadMailboxFunc) (PlugMessage *message,
                                       gpointer     user_data);

/* Attaches the mailbox to @receiver_context; nothing is delivered before
 * plug_thread_mailbox_start(). */
PlugThreadMailbox *plug_thread_mailbox_new      (GMainContext          *receiver_context,
                                                 const char            *name);
PlugThreadMailbox *plug_thread_mailbox_ref      (PlugThreadMailbox     *self);
void               plug_thread_mailbox_unref    (PlugThreadMailbox     *self);

/* Receiver side, from the receiving thread. */
void               plug_thread_mailbox_start    (PlugThreadMailbox     *self,
                                                 PlugThreadMailboxFunc  func,
                                                 gpointer               user_data);
void               plug_thread_mailbox_close    (PlugThreadMailbox     *self);

/* Sender side, from any thread. Takes @message over; FALSE (and the
 * message is dropped) when the receiver closed the mailbox or the end
 * was posted already. */
gboolean           plug_thread_mailbox_post     (PlugThreadMailbox     *self,
                                                 PlugMessage           *message);
gboolean           plug_thread_mailbox_post_end (PlugThreadMailbox     *self);

/**
 * plug_thread_message_copy:
 *
 * A new message equal to @message that shares no #JsonNode, #JsonArray
 * or #JsonObject with it: json-glib's reference counts of arrays and
 * objects are not atomic, so a tree must never be reachable from two
 * threads at once, and json_node_copy() shares the children of a
 * container. The copy is made by the sending thread, which owns the
 * original; the receiver owns the copy.
 */
PlugMessage       *plug_thread_message_copy     (PlugMessage           *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PlugThreadMailbox, plug_thread_mailbox_unref)

G_END_DECLS
