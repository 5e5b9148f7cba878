/* Error filling: each status has its own name, a node's errors name the
 * node, and a prefix goes in front of a message without overrunning it,
 * however long either is. */
#include "check.h"
#include "error.h"
#include "graph.h"

static void
test_status_names (void)
{
  for (int a = NN_OK; a <= NN_INTERNAL; a++) {
    const char *name = nn_status_to_string ((nn_status)a);
    CHECK (name && *name && strcmp (name, "unknown status") != 0,
           "status %d: '%s'", a, name ? name : "(null)");
    for (int b = NN_OK; b < a; b++)
      CHECK (strcmp (name, nn_status_to_string ((nn_status)b)) != 0,
             "statuses %d and %d share '%s'", a, b, name);
  }
  CHECK (strcmp (nn_status_to_string ((nn_status)(NN_INTERNAL + 1)),
                 "unknown status")
             == 0,
         "a status past the last");
}

static void
test_fail_node (void)
{
  nn_error e = { 0 };
  nn_node node = { 0 };
  char big[NN_ERROR_MSG_MAX * 2];

  node.name = "conv1";
  node.op_type = "Conv";
  CHECK (nn_fail_node (&e, NN_SHAPE, &node, "%d channels", 3) == NN_SHAPE
             && e.status == NN_SHAPE
             && strcmp (e.message, "node 'conv1' (Conv): 3 channels") == 0,
         "'%s'", e.message);
  CHECK (nn_fail_node (&e, NN_BAD_MODEL, NULL, "x") == NN_BAD_MODEL
             && strcmp (e.message, "node '' (?): x") == 0,
         "no node: '%s'", e.message);
  CHECK (nn_fail_node (NULL, NN_IO, &node, "x") == NN_IO, "no error");
  /* a name longer than the message: cut, terminated, the status set */
  memset (big, 'n', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  node.name = big;
  CHECK (nn_fail_node (&e, NN_UNSUPPORTED, &node, "tail") == NN_UNSUPPORTED
             && e.status == NN_UNSUPPORTED
             && strlen (e.message) == NN_ERROR_MSG_MAX - 1
             && strstr (e.message, "tail") == NULL,
         "long name: %zu bytes", strlen (e.message));
}

static void
test_prefix (void)
{
  nn_error e = { 0 };
  char big[NN_ERROR_MSG_MAX * 2];

  nn_fail (&e, NN_IO, "cannot read");
  nn_error_prefix (&e, "model.onnx");
  CHECK (strcmp (e.message, "model.onnx: cannot read") == 0, "'%s'", e.message);
  nn_error_prefix (NULL, "x");
  nn_error_prefix (&e, NULL);
  CHECK (strcmp (e.message, "model.onnx: cannot read") == 0,
         "NULL prefix: '%s'", e.message);

  /* a full message loses its end to the prefix */
  memset (e.message, 'm', sizeof e.message - 1);
  e.message[sizeof e.message - 1] = '\0';
  nn_error_prefix (&e, "p");
  CHECK (strncmp (e.message, "p: mmm", 6) == 0
             && strlen (e.message) == NN_ERROR_MSG_MAX - 1,
         "full message: %zu bytes", strlen (e.message));

  /* a prefix that leaves no room: the message stays as it was */
  nn_fail (&e, NN_IO, "short");
  memset (big, 'p', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  nn_error_prefix (&e, big);
  CHECK (strcmp (e.message, "short") == 0, "huge prefix: '%.20s'", e.message);
  big[NN_ERROR_MSG_MAX - 3] = '\0'; /* "p...p: " is then the whole message */
  nn_error_prefix (&e, big);
  CHECK (strlen (e.message) == NN_ERROR_MSG_MAX - 1
             && strcmp (e.message + NN_ERROR_MSG_MAX - 3, ": ") == 0,
         "prefix filling the message: %zu bytes", strlen (e.message));
}

int
main (void)
{
  test_status_names ();
  test_fail_node ();
  test_prefix ();
  return check_report ("error");
}
