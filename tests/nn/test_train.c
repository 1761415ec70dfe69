/* Short training runs on the bundled breast-cancer data. */
#include <criterion/criterion.h>
#include <omp.h>
#include <math.h>
#include <string.h>

#include "nn/nn.h"

/* The 455/114 split of seed, standardized on the training part and clipped to +-3. */
static void data(uint64_t seed, nn_data **train, nn_data **test)
{
    nn_data *all;
    nn_error err;
    cr_assert_eq(nn_csv_load("data/breast_cancer.csv", NULL, &all, &err), 0, "%s", err.msg);
    cr_assert_eq(nn_split_stratified(all, 0.2, seed, train, test), 0);
    nn_standardizer s;
    cr_assert_eq(nn_standardizer_fit(&s, *train), 0);
    s.clip = 3;
    cr_assert_eq(nn_standardizer_apply(&s, *train), 0);
    cr_assert_eq(nn_standardizer_apply(&s, *test), 0);
    nn_standardizer_clear(&s);
    nn_data_free(all);
}

/* Train a model of the given arch and hidden widths; returns it and its test accuracy. */
static double train_batch(nn_arch arch, const char *hidden, uint64_t seed, int epochs,
                          size_t batch, double lr, int sim_bits, nn_model **out)
{
    nn_data *tr, *te;
    data(seed, &tr, &te);
    nn_spec spec;
    nn_error err;
    nn_model *m;
    cr_assert_eq(nn_spec_parse(hidden, arch, tr->d, 2, &spec, &err), 0, "%s", err.msg);
    cr_assert_eq(nn_model_new(&spec, seed, &m), 0);
    nn_train_config cfg = {.epochs = epochs, .batch = batch, .seed = seed,
                           .sgd = {.lr = lr, .momentum = 0.9, .weight_decay = 1e-3,
                                   .schedule = NN_LR_COSINE},
                           .sim = {.bits = sim_bits, .seed = seed}};
    nn_epoch_stats h[64];
    cr_assert_eq(nn_train(m, tr, te, &cfg, h, NULL, NULL), 0);
    nn_eval ev;
    cr_assert_eq(nn_evaluate(m, te, &ev), 0);
    cr_assert_float_eq(ev.accuracy, h[epochs - 1].test_accuracy, 1e-15);
    cr_assert_eq(ev.confusion[0] + ev.confusion[1] + ev.confusion[2] + ev.confusion[3], te->n);
    double acc = ev.accuracy;
    nn_eval_clear(&ev);
    nn_data_free(tr);
    nn_data_free(te);
    if (out)
        *out = m;
    else
        nn_model_free(m);
    return acc;
}

static double train(nn_arch arch, const char *hidden, uint64_t seed, int epochs, double lr,
                    int sim_bits, nn_model **out)
{
    return train_batch(arch, hidden, seed, epochs, 16, lr, sim_bits, out);
}

/* The stated accuracy: one 32-wide block, 20 epochs, at least 95 % on each of 3 splits. */
Test(train, les_breast_cancer_reaches_95)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        double acc = train(NN_ARCH_LES, "32", seed, 20, 0.01, 0, NULL);
        cr_assert_geq(acc, 0.95, "seed %llu: %.2f %%", (unsigned long long)seed, 100 * acc);
    }
}

Test(train, baselines_reach_95)
{
    cr_assert_geq(train(NN_ARCH_BP, "32", 1, 10, 0.05, 0, NULL), 0.95);
    cr_assert_geq(train(NN_ARCH_LOGREG, "", 1, 10, 0.05, 0, NULL), 0.95);
}

Test(train, simulated_50_bits_matches_exact)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        nn_model *a, *b;
        double exact = train(NN_ARCH_LES, "32-16", seed, 10, 0.01, 0, &a);
        double sim = train(NN_ARCH_LES, "32-16", seed, 10, 0.01, 50, &b);
        cr_assert_eq(sim, exact, "seed %llu: %.2f %% simulated, %.2f %% exact",
                     (unsigned long long)seed, 100 * sim, 100 * exact);
        /* The noise is there, and small: weights differ, by far less than 2^-30. */
        double diff = 0.0, mag = 0.0;
        for (size_t i = 0; i < a->w[0].rows * a->w[0].cols; i++) {
            diff = fmax(diff, fabs(a->w[0].w[i] - b->w[0].w[i]));
            mag = fmax(mag, fabs(a->w[0].w[i]));
        }
        cr_assert_gt(diff, 0.0);
        cr_assert_lt(diff, ldexp(mag, -30));
        nn_model_free(a);
        nn_model_free(b);
    }
}

Test(train, coarse_simulation_degrades)
{
    /* 4 bits per operation is far below what training needs: accuracy must suffer. */
    double exact = train(NN_ARCH_LES, "32", 1, 5, 0.01, 0, NULL);
    double sim = train(NN_ARCH_LES, "32", 1, 5, 0.01, 2, NULL);
    cr_assert_lt(sim, exact, "%.2f %% at 2 bits vs %.2f %%", 100 * sim, 100 * exact);
}

Test(train, same_bits_for_one_and_two_threads)
{
    /* Whole-batch steps on wide blocks: products large enough for threads. */
    nn_model *a, *b;
    omp_set_num_threads(1);
    train_batch(NN_ARCH_LES, "256-128", 2, 2, 455, 0.01, 30, &a);
    omp_set_num_threads(2);
    train_batch(NN_ARCH_LES, "256-128", 2, 2, 455, 0.01, 30, &b);
    for (int h = 0; h < a->nw; h++) {
        cr_assert_arr_eq(a->w[h].w, b->w[h].w, a->w[h].rows * a->w[h].cols * sizeof(double));
        cr_assert_arr_eq(a->c[h].w, b->c[h].w, a->c[h].rows * a->c[h].cols * sizeof(double));
    }
    nn_model_free(a);
    nn_model_free(b);
}
