// Times Debian's oneDNN (libdnnl-dev 2.6) on the convolutions of GEM's reduced ResNet18
// (nf 20, 3x32x32) at one batch: forward, backward-data and backward-weights of every layer,
// summed over the network as Conv2D runs them. Two memory layouts: "plain" is NCHW / OIHW, the
// rows our layers pass each other; "any" lets oneDNN choose (blocked nChw8c). For "any" it also
// times the reorders that a network keeping NCHW rows between layers would need around each
// convolution (src and dst, diff_dst and diff_src, src again for backward-weights, the weights
// and their gradient): without them the figure bounds a network blocked throughout, with them
// it is what calling the blocked kernels from our layers would cost. For docs/performance.md.
//
//   cc -O2 scripts/onednn_conv_bench.c -ldnnl -o /tmp/onednn_conv_bench
//   OMP_NUM_THREADS=2 /tmp/onednn_conv_bench 256
//   OMP_NUM_THREADS=1 /tmp/onednn_conv_bench 64    # one lane's share of work, as our lanes split it
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(call) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { \
    fprintf(stderr, "%s failed: %d (line %d)\n", #call, (int)s_, __LINE__); exit(1); } } while (0)

typedef struct { int cin, cout, size, kernel, stride, count; } conv_t;

static const conv_t network[] = {  // nf 20 on 32x32: input size, repeated `count` times
    {3, 20, 32, 3, 1, 1},   {20, 20, 32, 3, 1, 4},
    {20, 40, 32, 3, 2, 1},  {40, 40, 16, 3, 1, 3},  {20, 40, 32, 1, 2, 1},
    {40, 80, 16, 3, 2, 1},  {80, 80, 8, 3, 1, 3},   {40, 80, 16, 1, 2, 1},
    {80, 160, 8, 3, 2, 1},  {160, 160, 4, 3, 1, 3}, {80, 160, 8, 1, 2, 1},
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static dnnl_memory_t make_memory(const dnnl_memory_desc_t *md, dnnl_engine_t engine) {
    dnnl_memory_t m;
    CHECK(dnnl_memory_create(&m, md, engine, DNNL_MEMORY_ALLOCATE));
    void *p;
    CHECK(dnnl_memory_get_data_handle(m, &p));
    size_t n = dnnl_memory_desc_get_size(md) / sizeof(float);
    for (size_t i = 0; i < n; i++) ((float *)p)[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return m;
}

/// min seconds over `repeats` of one primitive with its arguments
static double time_primitive(dnnl_primitive_t p, dnnl_stream_t stream, int nargs, dnnl_exec_arg_t *args, int repeats) {
    double best = 1e30;
    for (int r = 0; r <= repeats; r++) {
        double t = now();
        CHECK(dnnl_primitive_execute(p, stream, nargs, args));
        CHECK(dnnl_stream_wait(stream));
        t = now() - t;
        if (r > 0 && t < best) best = t;  // the first run is a warm-up
    }
    return best;
}

/// min seconds of a reorder between two layouts (0 when they are the same)
static double reorder_time(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, dnnl_engine_t engine,
                           dnnl_stream_t stream) {
    if (dnnl_memory_desc_equal(from, to)) return 0;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t r;
    CHECK(dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, NULL));
    CHECK(dnnl_primitive_create(&r, pd));
    dnnl_memory_t a = make_memory(from, engine), b = make_memory(to, engine);
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}};
    double t = time_primitive(r, stream, 2, args, 5);
    dnnl_primitive_destroy(r);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(a);
    dnnl_memory_destroy(b);
    return t;
}

static double run(const conv_t *c, int batch, int any, dnnl_engine_t engine, dnnl_stream_t stream,
                  double *fwd, double *bwd_data, double *bwd_weights, double *reorders, int first) {
    int out = (c->size + 2 * (c->kernel / 2) - c->kernel) / c->stride + 1, pad = c->kernel / 2;
    dnnl_dims_t src_dims = {batch, c->cin, c->size, c->size}, dst_dims = {batch, c->cout, out, out};
    dnnl_dims_t w_dims = {c->cout, c->cin, c->kernel, c->kernel};
    dnnl_dims_t strides = {c->stride, c->stride}, padding = {pad, pad};
    dnnl_memory_desc_t src, dst, w;
    CHECK(dnnl_memory_desc_init_by_tag(&src, 4, src_dims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw));
    CHECK(dnnl_memory_desc_init_by_tag(&dst, 4, dst_dims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_nchw));
    CHECK(dnnl_memory_desc_init_by_tag(&w, 4, w_dims, dnnl_f32, any ? dnnl_format_tag_any : dnnl_oihw));

    dnnl_convolution_desc_t fd, bdd, bwd;
    dnnl_primitive_desc_t fpd, bdpd, bwpd;
    CHECK(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &src, &w, NULL, &dst,
                                             strides, padding, padding));
    CHECK(dnnl_primitive_desc_create(&fpd, &fd, NULL, engine, NULL));
    CHECK(dnnl_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct, &src, &w, &dst, strides, padding, padding));
    CHECK(dnnl_primitive_desc_create(&bdpd, &bdd, NULL, engine, fpd));
    CHECK(dnnl_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct, &src, &w, NULL, &dst,
                                                      strides, padding, padding));
    CHECK(dnnl_primitive_desc_create(&bwpd, &bwd, NULL, engine, fpd));

    const char *impl = NULL;
    dnnl_primitive_desc_query(fpd, dnnl_query_impl_info_str, 0, &impl);
    dnnl_primitive_t f, bd, bw;
    CHECK(dnnl_primitive_create(&f, fpd));
    CHECK(dnnl_primitive_create(&bd, bdpd));
    CHECK(dnnl_primitive_create(&bw, bwpd));
    #define MD(pd, what) dnnl_primitive_desc_query_md(pd, what, 0)
    dnnl_memory_t fs = make_memory(MD(fpd, dnnl_query_src_md), engine), fw = make_memory(MD(fpd, dnnl_query_weights_md), engine);
    dnnl_memory_t fdst = make_memory(MD(fpd, dnnl_query_dst_md), engine);
    dnnl_memory_t ds = make_memory(MD(bdpd, dnnl_query_diff_src_md), engine), dw = make_memory(MD(bdpd, dnnl_query_weights_md), engine);
    dnnl_memory_t dd = make_memory(MD(bdpd, dnnl_query_diff_dst_md), engine);
    dnnl_memory_t ws = make_memory(MD(bwpd, dnnl_query_src_md), engine), wdw = make_memory(MD(bwpd, dnnl_query_diff_weights_md), engine);
    dnnl_memory_t wdd = make_memory(MD(bwpd, dnnl_query_diff_dst_md), engine);
    dnnl_exec_arg_t fa[] = {{DNNL_ARG_SRC, fs}, {DNNL_ARG_WEIGHTS, fw}, {DNNL_ARG_DST, fdst}};
    dnnl_exec_arg_t da[] = {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WEIGHTS, dw}, {DNNL_ARG_DIFF_SRC, ds}};
    dnnl_exec_arg_t wa[] = {{DNNL_ARG_SRC, ws}, {DNNL_ARG_DIFF_DST, wdd}, {DNNL_ARG_DIFF_WEIGHTS, wdw}};
    *fwd = time_primitive(f, stream, 3, fa, 5);
    *bwd_data = first ? 0 : time_primitive(bd, stream, 3, da, 5);
    *bwd_weights = time_primitive(bw, stream, 3, wa, 5);
    *reorders = 0;
    if (any) {  // between NCHW rows and the layouts oneDNN chose
        dnnl_memory_desc_t psrc, pdst, pw;
        CHECK(dnnl_memory_desc_init_by_tag(&psrc, 4, src_dims, dnnl_f32, dnnl_nchw));
        CHECK(dnnl_memory_desc_init_by_tag(&pdst, 4, dst_dims, dnnl_f32, dnnl_nchw));
        CHECK(dnnl_memory_desc_init_by_tag(&pw, 4, w_dims, dnnl_f32, dnnl_oihw));
        *reorders = reorder_time(&psrc, MD(fpd, dnnl_query_src_md), engine, stream)
                  + reorder_time(MD(fpd, dnnl_query_dst_md), &pdst, engine, stream)
                  + reorder_time(&pdst, MD(bdpd, dnnl_query_diff_dst_md), engine, stream)
                  + (first ? 0 : reorder_time(MD(bdpd, dnnl_query_diff_src_md), &psrc, engine, stream))
                  + reorder_time(&psrc, MD(bwpd, dnnl_query_src_md), engine, stream)
                  + reorder_time(MD(bwpd, dnnl_query_diff_weights_md), &pw, engine, stream)
                  + reorder_time(&pw, MD(fpd, dnnl_query_weights_md), engine, stream)
                  + reorder_time(&pw, MD(bdpd, dnnl_query_weights_md), engine, stream);
    }
    printf("    %3d->%3d %2dx%-2d k%d s%d x%d  %-16s fwd %7.2f  bwd-data %7.2f  bwd-weights %7.2f  reorders %6.2f ms\n",
           c->cin, c->cout, c->size, c->size, c->kernel, c->stride, c->count, impl ? impl : "?", *fwd * 1e3,
           *bwd_data * 1e3, *bwd_weights * 1e3, *reorders * 1e3);
    double macs = (double)batch * c->cout * c->cin * c->kernel * c->kernel * out * out;
    return 2 * macs * (first ? 2 : 3);
}

int main(int argc, char **argv) {
    int batch = argc > 1 ? atoi(argv[1]) : 256;
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    for (int any = 0; any < 2; any++) {
        printf("oneDNN %s layout, batch %d:\n", any ? "any (blocked)" : "plain NCHW", batch);
        double total = 0, flops = 0, reordering = 0;
        for (size_t i = 0; i < sizeof network / sizeof *network; i++) {
            double f, d, w, r;
            flops += network[i].count * run(&network[i], batch, any, engine, stream, &f, &d, &w, &r, i == 0);
            total += network[i].count * (f + d + w);
            reordering += network[i].count * r;
        }
        printf("  all convolutions, forward + backward: %.1f ms, %.1f GFLOP/s", total * 1e3, flops / total / 1e9);
        if (any) printf("; with the reorders %.1f ms", (total + reordering) * 1e3);
        printf("\n");
    }
    return 0;
}
