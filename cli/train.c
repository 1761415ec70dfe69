/* train.c - hetrain train: the plaintext reference trainer (encrypted: later). */
#include "cli/cli.h"
#include "nn/nn.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int plaintext, json, verbose, runs, epochs, resize, label_col, bias;
    const char *data, *dataset, *data_dir, *model, *log, *svg;
    double test_frac, clip;
    uint64_t seed;
    nn_arch arch;
    nn_poly act;
    size_t batch;
    nn_sgd sgd;
    nn_sim sim;
    int have_lr, have_batch, have_epochs, have_wd;
} options;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hetrain train --plaintext (--data FILE.csv | --dataset fashion-mnist) [options]\n"
        "\n"
        "data:\n"
        "  --data FILE        numeric CSV, label in the last column (header line optional)\n"
        "  --label-col K      label column, counted from 1 (negative: from the end)\n"
        "  --test-frac F      stratified test split of a CSV, seeded per run (0.2)\n"
        "  --dataset NAME     fashion-mnist: the Debian dataset-fashion-mnist package\n"
        "  --data-dir DIR     where its IDX files are (%s)\n"
        "  --resize S         downscale images to SxS by area averaging (fashion: 14)\n"
        "  --clip C           clip standardized features to [-C, C]; 0: no clipping (3)\n"
        "model:\n"
        "  --arch A           les (local-loss blocks, default), bp (ReLU MLP,\n"
        "                     back-propagation, softmax), logreg\n"
        "  --model M          in-h1-..-out or h1-.. (hidden widths; default 32)\n"
        "  --act C0,C1,..     LES activation coefficients by degree (0,1,1: z^2 + z)\n"
        "  --no-bias          no appended constant feature\n"
        "training:\n"
        "  --epochs N         (tabular 30, images 20)\n"
        "  --batch N          (tabular 16, images 48)\n"
        "  --lr X             (les 0.01, bp and logreg 0.05)\n"
        "  --momentum X       Nesterov momentum (0.9)\n"
        "  --wd X             weight decay (tabular 1e-2, images 1e-4)\n"
        "  --schedule S       constant or cosine (cosine)\n"
        "  --seed N           seed of run 1; run i uses seed + i - 1 (1)\n"
        "  --runs N           repeat over seeds, report mean and std (1)\n"
        "  --sim-bits B       simulate CKKS precision of B bits (les only)\n"
        "  --boot-bits B      precision of the per-step bootstrapping (B)\n"
        "output:\n"
        "  --log FILE         JSON lines: every epoch, then each run's confusion matrix\n"
        "  --svg FILE         loss and accuracy curves of run 1\n"
        "  --json             end with one JSON line summarizing the runs\n"
        "  -v, --verbose      print every epoch also when --runs > 1\n",
        NN_FASHION_DIR);
}

/* Parse a number or fail with the option's name. */
static int num(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s ? s : "", &end);
    if (!s || end == s || *end || errno || !(v >= lo && v <= hi)) {
        fprintf(stderr, "hetrain train: %s needs a number in [%g, %g], got '%s'\n", opt, lo, hi,
                s ? s : "");
        return -1;
    }
    *out = v;
    return 0;
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.runs = 1, .seed = 1, .test_frac = 0.2, .clip = 3, .label_col = -1, .bias = 1,
                   .model = "32", .arch = NN_ARCH_LES,
                   .sgd = {.momentum = 0.9, .schedule = NN_LR_COSINE}};
    o->act = nn_poly_default();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x;
        int used = 1;
        if (!strcmp(a, "--plaintext")) {
            o->plaintext = 1, used = 0;
        } else if (!strcmp(a, "--json")) {
            o->json = 1, used = 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbose = 1, used = 0;
        } else if (!strcmp(a, "--no-bias")) {
            o->bias = 0, used = 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else if (!v) {
            fprintf(stderr, "hetrain train: unknown option or missing value: %s\n", a);
            return -1;
        } else if (!strcmp(a, "--data")) {
            o->data = v;
        } else if (!strcmp(a, "--dataset")) {
            o->dataset = v;
        } else if (!strcmp(a, "--data-dir")) {
            o->data_dir = v;
        } else if (!strcmp(a, "--model")) {
            o->model = v;
        } else if (!strcmp(a, "--log")) {
            o->log = v;
        } else if (!strcmp(a, "--svg")) {
            o->svg = v;
        } else if (!strcmp(a, "--arch")) {
            if (nn_arch_parse(v, &o->arch)) {
                fprintf(stderr, "hetrain train: --arch is les, bp or logreg, not '%s'\n", v);
                return -1;
            }
        } else if (!strcmp(a, "--act")) {
            if (nn_poly_parse(v, &o->act)) {
                fprintf(stderr, "hetrain train: --act wants coefficients c0,c1,.. (degree <= %d)\n",
                        NN_MAX_DEGREE);
                return -1;
            }
        } else if (!strcmp(a, "--schedule")) {
            if (strcmp(v, "constant") && strcmp(v, "cosine")) {
                fprintf(stderr, "hetrain train: --schedule is constant or cosine\n");
                return -1;
            }
            o->sgd.schedule = strcmp(v, "cosine") ? NN_LR_CONSTANT : NN_LR_COSINE;
        } else if (!strcmp(a, "--label-col")) {
            if (num(a, v, -1e6, 1e6, &x) || x == 0 || x != floor(x)) {
                fprintf(stderr, "hetrain train: --label-col counts from 1 (-1: the last)\n");
                return -1;
            }
            o->label_col = x > 0 ? (int)x - 1 : (int)x;
        } else {
            static const struct {
                const char *name;
                double lo, hi;
                int integer;
            } nums[] = {{"--epochs", 0, 1e6, 1}, {"--batch", 1, 1e6, 1}, {"--lr", 0, 1e3, 0},
                        {"--momentum", 0, 0.999, 0}, {"--wd", 0, 1, 0}, {"--seed", 0, 9e15, 1},
                        {"--runs", 1, 1e4, 1}, {"--sim-bits", 1, 60, 1}, {"--boot-bits", 1, 60, 1},
                        {"--resize", 1, 4096, 1}, {"--test-frac", 1e-6, 1 - 1e-6, 0},
                        {"--clip", 0, 1e6, 0}};
            size_t k = 0, nk = sizeof nums / sizeof nums[0];
            while (k < nk && strcmp(a, nums[k].name))
                k++;
            if (k == nk) {
                fprintf(stderr, "hetrain train: unknown option %s (see --help)\n", a);
                return -1;
            }
            if (num(a, v, nums[k].lo, nums[k].hi, &x))
                return -1;
            if (nums[k].integer && x != floor(x)) {
                fprintf(stderr, "hetrain train: %s needs an integer\n", a);
                return -1;
            }
            switch (k) {
            case 0: o->epochs = (int)x, o->have_epochs = 1; break;
            case 1: o->batch = (size_t)x, o->have_batch = 1; break;
            case 2: o->sgd.lr = x, o->have_lr = 1; break;
            case 3: o->sgd.momentum = x; break;
            case 4: o->sgd.weight_decay = x, o->have_wd = 1; break;
            case 5: o->seed = (uint64_t)x; break;
            case 6: o->runs = (int)x; break;
            case 7: o->sim.bits = (int)x; break;
            case 8: o->sim.boot_bits = (int)x; break;
            case 9: o->resize = (int)x; break;
            case 10: o->test_frac = x; break;
            default: o->clip = x; break;
            }
        }
        i += used;
    }
    if (!o->data == !o->dataset) {
        fprintf(stderr, "hetrain train: give exactly one of --data FILE.csv and --dataset "
                "fashion-mnist\n");
        return -1;
    }
    if (o->dataset && strcmp(o->dataset, "fashion-mnist")) {
        fprintf(stderr, "hetrain train: unknown dataset '%s' (fashion-mnist; CSV files: --data)\n",
                o->dataset);
        return -1;
    }
    if (o->resize && o->data) {
        fprintf(stderr, "hetrain train: --resize applies to image datasets (--dataset)\n");
        return -1;
    }
    if (o->sim.bits && o->arch != NN_ARCH_LES) {
        fprintf(stderr, "hetrain train: --sim-bits simulates the encrypted LES trainer; "
                "it needs --arch les\n");
        return -1;
    }
    return 0;
}

/* Defaults that depend on the data: images or a small table. */
static void defaults(options *o, int images)
{
    if (!o->have_epochs)
        o->epochs = images ? 20 : 30;
    if (!o->have_batch)
        o->batch = images ? 48 : 16;
    if (!o->have_lr)
        o->sgd.lr = o->arch == NN_ARCH_LES ? 0.01 : 0.05;
    if (!o->have_wd)
        o->sgd.weight_decay = images ? 1e-4 : 1e-2;
}

typedef struct {
    const options *o;
    FILE *log;
} progress;

static void on_epoch(const nn_epoch_stats *s, void *ctx)
{
    progress *p = ctx;
    if (p->log)
        nn_epoch_json(p->log, s);
    if (p->o->runs == 1 || p->o->verbose) {
        printf("%sepoch %3d/%d  lr %.4g  loss %.4f  train %6.2f %%  test %6.2f %% (loss %.4f)  "
               "%.2f s\n", p->o->runs > 1 ? "  " : "", s->epoch, p->o->epochs, s->lr,
               s->train_loss, 100 * s->train_accuracy, 100 * s->test_accuracy, s->test_loss,
               s->seconds);
        fflush(stdout);
    }
}

/* Standardize train and test with statistics of train alone, then clip. */
static int standardize(nn_data *train, nn_data *test, double clip)
{
    nn_standardizer st = {0};
    int rc = nn_standardizer_fit(&st, train);
    st.clip = clip;
    if (!rc && !(rc = nn_standardizer_apply(&st, train)))
        rc = nn_standardizer_apply(&st, test);
    nn_standardizer_clear(&st);
    return rc;
}

/* Load the whole data: a CSV table (all) or the resized image sets. */
static int load(const options *o, nn_data **all, nn_data **train, nn_data **test)
{
    nn_error err = {{0}};
    int rc;
    *all = *train = *test = NULL;
    if (o->data) {
        nn_csv_options co = {.label_col = o->label_col};
        if ((rc = nn_csv_load(o->data, &co, all, &err)))
            fprintf(stderr, "hetrain train: %s\n", err.msg);
        return rc;
    }
    if ((rc = nn_fashion_load(o->data_dir, train, test, &err))) {
        fprintf(stderr, "hetrain train: %s\n", err.msg);
        return rc;
    }
    int s = o->resize ? o->resize : 14;
    if (s != (*train)->img_h) {
        nn_data *a = NULL, *b = NULL;
        if ((rc = nn_resize(*train, s, s, &a)) || (rc = nn_resize(*test, s, s, &b))) {
            fprintf(stderr, "hetrain train: cannot resize %dx%d images to %dx%d\n",
                    (*train)->img_h, (*train)->img_w, s, s);
            nn_data_free(a);
            return rc;
        }
        nn_data_free(*train);
        nn_data_free(*test);
        *train = a;
        *test = b;
    }
    return standardize(*train, *test, o->clip);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cli_train(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (!o.plaintext) {
        fprintf(stderr, "hetrain train: encrypted training is not implemented yet; "
                "--plaintext runs the plaintext reference trainer\n");
        return 2;
    }
    nn_data *all, *ftrain, *ftest;
    if (load(&o, &all, &ftrain, &ftest))
        return 1;
    defaults(&o, ftrain != NULL);
    const nn_data *shape = all ? all : ftrain;
    if (all && (size_t)ceil(o.test_frac * (double)all->n) >= all->n) {
        fprintf(stderr, "hetrain train: %s: %zu rows are too few for a %g test split\n", o.data,
                all->n, o.test_frac);
        rc = 1;
        goto done;
    }
    nn_spec spec;
    nn_error err = {{0}};
    if (nn_spec_parse(o.model, o.arch, shape->d, (size_t)shape->nclass, &spec, &err)) {
        fprintf(stderr, "hetrain train: %s\n", err.msg);
        rc = 2;
        goto done;
    }
    spec.bias = o.bias;
    spec.act = o.act;
    char mstr[256];
    nn_spec_format(&spec, mstr, sizeof mstr);
    printf("%s model %s (%s), %s: %zu samples, %zu features, %d classes\n", nn_arch_name(o.arch),
           mstr, spec.bias ? "bias" : "no bias", o.data ? o.data : o.dataset,
           all ? all->n : ftrain->n + ftest->n, shape->d, shape->nclass);
    printf("features standardized on the training split");
    if (o.clip > 0)
        printf(", clipped to [-%g, %g]", o.clip, o.clip);
    printf("\nepochs %d, batch %zu, lr %g (%s), momentum %g, weight decay %g%s\n", o.epochs,
           o.batch, o.sgd.lr, o.sgd.schedule == NN_LR_COSINE ? "cosine" : "constant",
           o.sgd.momentum, o.sgd.weight_decay, o.sim.bits ? ", simulated CKKS precision" : "");
    if (o.sim.bits)
        printf("simulated precision: %d bits per operation, %d bits per bootstrapping\n",
               o.sim.bits, o.sim.boot_bits ? o.sim.boot_bits : o.sim.bits);

    FILE *log = NULL;
    if (o.log && !(log = fopen(o.log, "w"))) {
        fprintf(stderr, "hetrain train: %s: %s\n", o.log, strerror(errno));
        rc = 1;
        goto done;
    }
    double *acc = calloc((size_t)o.runs, sizeof *acc), t0 = now();
    nn_epoch_stats *hist = calloc((size_t)o.epochs + 1, sizeof *hist);
    if (!acc || !hist) {
        rc = 1;
        goto out;
    }
    for (int r = 0; r < o.runs && !rc; r++) {
        uint64_t seed = o.seed + (uint64_t)r;
        nn_data *train = ftrain, *test = ftest;
        nn_model *m = NULL;
        nn_eval ev = {0};
        progress pr = {&o, log};
        nn_train_config cfg = {.epochs = o.epochs, .batch = o.batch, .sgd = o.sgd,
                               .sim = o.sim, .seed = seed};
        cfg.sim.seed = seed;
        double tr = now();
        if ((all && ((rc = nn_split_stratified(all, o.test_frac, seed, &train, &test)) ||
                     (rc = standardize(train, test, o.clip)))) ||
            (rc = nn_model_new(&spec, seed, &m)) ||
            (rc = nn_train(m, train, test, &cfg, hist, on_epoch, &pr)) ||
            (rc = nn_evaluate(m, test, &ev))) {
            fprintf(stderr, "hetrain train: run %d failed: %s\n", r + 1, ckks_strerror(rc));
        } else {
            acc[r] = ev.accuracy;
            if (log)
                nn_eval_json(log, &ev);
            if (o.runs > 1)
                printf("run %2d/%d (seed %llu): test accuracy %.2f %%  %.1f s\n", r + 1, o.runs,
                       (unsigned long long)seed, 100 * ev.accuracy, now() - tr);
            if (r == 0 && o.svg && o.epochs > 0 &&
                nn_svg_curves(o.svg, hist, o.epochs, mstr, &err)) {
                fprintf(stderr, "hetrain train: %s\n", err.msg);
                rc = 1;
            }
        }
        nn_eval_clear(&ev);
        nn_model_free(m);
        if (all) {
            nn_data_free(train);
            nn_data_free(test);
        }
    }
    if (!rc) {
        /* Population standard deviation (as numpy.std) over the runs. */
        double mean = 0.0, var = 0.0, secs = now() - t0;
        for (int r = 0; r < o.runs; r++)
            mean += acc[r] / o.runs;
        for (int r = 0; r < o.runs; r++)
            var += (acc[r] - mean) * (acc[r] - mean) / o.runs;
        if (o.runs == 1)
            printf("test accuracy: %.2f %%  (%.1f s)\n", 100 * mean, secs);
        else
            printf("test accuracy over %d runs: %.2f +- %.2f %%  (%.1f s)\n", o.runs, 100 * mean,
                   100 * sqrt(var), secs);
        if (o.json)
            printf("{\"arch\":\"%s\",\"model\":\"%s\",\"runs\":%d,\"test_accuracy_mean\":%.6f,"
                   "\"test_accuracy_std\":%.6f,\"seconds\":%.3f}\n", nn_arch_name(o.arch), mstr,
                   o.runs, mean, sqrt(var), secs);
    } else {
        rc = 1;
    }
out:
    free(acc);
    free(hist);
    if (log && fclose(log)) {
        fprintf(stderr, "hetrain train: %s: write failed\n", o.log);
        rc = 1;
    }
done:
    nn_data_free(all);
    nn_data_free(ftrain);
    nn_data_free(ftest);
    return rc;
}
