/* libFuzzer: arbitrary bytes as daemon answers. The first byte picks
 * what to feed: the 5-byte frame decoder (in random chunk sizes), the
 * grpc-message percent-decoder, the TOML validator, or protobuf-c's unpack
 * of every response message the dashboard parses. */
#include "cloche.pb-c.h"
#include "grpc.h"
#include "toml_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const ProtobufCMessageDescriptor *const RESPONSES[] = {
	&cloche__v1__get_version_response__descriptor,
	&cloche__v1__get_status_response__descriptor,
	&cloche__v1__log_entry__descriptor,
	&cloche__v1__get_project_info_response__descriptor,
	&cloche__v1__run_workflow_response__descriptor,
	&cloche__v1__get_usage_response__descriptor,
	&cloche__v1__list_runs_response__descriptor,
	&cloche__v1__list_tasks_response__descriptor,
	&cloche__v1__get_task_response__descriptor,
	&cloche__v1__stop_run_response__descriptor,
	&cloche__v1__delete_container_response__descriptor,
	&cloche__v1__enable_loop_response__descriptor,
	&cloche__v1__disable_loop_response__descriptor,
};
#define NRESP (sizeof RESPONSES / sizeof RESPONSES[0])

static void frames(const uint8_t *p, size_t n)
{
	struct grpc_deframer d = {0};
	const uint8_t *msg;
	size_t len, off = 0;
	char err[200];

	while (off < n) {
		size_t k = 1 + p[off] % 17;

		if (k > n - off)
			k = n - off;
		grpc_deframe_feed(&d, p + off, k);
		off += k;
		while (grpc_deframe_next(&d, &msg, &len, err, sizeof err) == 1) {
			ProtobufCMessage *m = protobuf_c_message_unpack(RESPONSES[len % NRESP], NULL, len, msg);

			if (m)
				protobuf_c_message_free_unpacked(m, NULL);
		}
	}
	grpc_deframe_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64], why[200];
	ProtobufCMessage *m;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		frames(data + 1, size - 1);
		break;
	case 1:
		grpc_pct_decode((const char *)data + 1, size - 1, out, sizeof out);
		break;
	case 2:
		toml_check((const char *)data + 1, size - 1, why, sizeof why);
		break;
	default:
		if (size < 2)
			return 0;
		m = protobuf_c_message_unpack(RESPONSES[data[1] % NRESP], NULL, size - 2, data + 2);
		if (m)
			protobuf_c_message_free_unpacked(m, NULL);
	}
	return 0;
}
