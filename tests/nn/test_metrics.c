/* Evaluation, JSON lines and the SVG plot. */
#include <criterion/criterion.h>
#include <math.h>

#include "fixture.h"
#include "nn/nn.h"

/* Logistic regression scoring class k by feature k (3 features, 3 classes, no bias). */
static nn_model *picker(void)
{
    nn_spec s = {.arch = NN_ARCH_LOGREG, .in = 3, .out = 3, .bias = 0};
    nn_model *m;
    cr_assert_eq(nn_model_new(&s, 1, &m), 0);
    for (int i = 0; i < 9; i++)
        m->w[0].w[i] = i % 4 == 0 ? 1.0 : 0.0;
    return m;
}

Test(metrics, confusion_accuracy_loss)
{
    nn_model *m = picker();
    nn_data *d = nn_data_new(4, 3, 3);
    /* Predictions 0, 1, 2, 2 for labels 0, 1, 1, 2. */
    const double x[12] = {2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1};
    const int y[4] = {0, 1, 1, 2};
    memcpy(d->x, x, sizeof x);
    memcpy(d->y, y, sizeof y);
    nn_eval e;
    cr_assert_eq(nn_evaluate(m, d, &e), 0);
    cr_assert_float_eq(e.accuracy, 0.75, 1e-15);
    const size_t want[9] = {1, 0, 0, 0, 1, 1, 0, 0, 1};
    cr_assert_arr_eq(e.confusion, want, sizeof want);
    /* Mean cross-entropy: -log softmax(logits)[label], logits = x. */
    double loss = 0;
    for (int i = 0; i < 4; i++) {
        double z = exp(x[3 * i]) + exp(x[3 * i + 1]) + exp(x[3 * i + 2]);
        loss += -log(exp(x[3 * i + y[i]]) / z) / 4;
    }
    cr_assert_float_eq(e.loss, loss, 1e-14);

    char dir[64], path[128], buf[512] = {0};
    tmp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/log.jsonl", dir);
    FILE *f = fopen(path, "w");
    nn_eval_json(f, &e);
    nn_epoch_stats s = {.epoch = 3, .lr = 0.5, .train_loss = 0.25, .train_accuracy = 0.5,
                        .test_loss = 0.125, .test_accuracy = 0.75, .seconds = 1.5};
    nn_epoch_json(f, &s);
    fclose(f);
    f = fopen(path, "r");
    cr_assert_eq(fread(buf, 1, sizeof buf - 1, f) > 0, 1);
    fclose(f);
    cr_assert_not_null(strstr(buf, "\"confusion\":[[1,0,0],[0,1,1],[0,0,1]]}\n"), "%s", buf);
    cr_assert_not_null(strstr(buf, "{\"epoch\":3,\"lr\":0.5,\"train_loss\":0.25,"
                                   "\"train_accuracy\":0.500000,\"test_loss\":0.125,"
                                   "\"test_accuracy\":0.750000,\"seconds\":1.5000}\n"), "%s", buf);
    tmp_cleanup(dir);
    nn_eval_clear(&e);
    nn_data_free(d);
    nn_model_free(m);
}

Test(metrics, predict_scores_and_labels)
{
    nn_model *m = picker();
    const double x[6] = {0.5, 0.25, 2, -1, 3, 0};
    double scores[6];
    int labels[2];
    cr_assert_eq(nn_predict(m, x, 2, scores, labels), 0);
    cr_assert_arr_eq(scores, x, sizeof x);
    cr_assert_eq(labels[0], 2);
    cr_assert_eq(labels[1], 1);
    nn_model_free(m);
}

Test(metrics, svg_curves)
{
    nn_epoch_stats h[3];
    for (int i = 0; i < 3; i++)
        h[i] = (nn_epoch_stats){.epoch = i + 1, .train_loss = 1.0 / (i + 1),
                                .test_loss = 1.2 / (i + 1), .train_accuracy = 0.5 + 0.1 * i,
                                .test_accuracy = 0.45 + 0.1 * i};
    char dir[64], path[128], tmp[160], buf[8192] = {0};
    nn_error err;
    tmp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/curves.svg", dir);
    cr_assert_eq(nn_svg_curves(path, h, 3, "30-32-2 <les>", &err), 0, "%s", err.msg);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    cr_assert_gt(n, 0);
    cr_assert_eq(strncmp(buf, "<svg ", 5), 0);
    cr_assert_not_null(strstr(buf, "30-32-2 &lt;les&gt;"));
    cr_assert_not_null(strstr(buf, "test accuracy"));
    const char *p = buf;
    int lines = 0;
    while ((p = strstr(p, "<polyline")))
        lines++, p++;
    cr_assert_eq(lines, 4, "two curves per panel");
    cr_assert_not_null(strstr(buf, "</svg>\n"));
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cr_assert_neq(access(tmp, F_OK), 0, "the temporary file is renamed");
    tmp_cleanup(dir);
    cr_assert_eq(nn_svg_curves("/nonexistent/dir/c.svg", h, 3, "", &err), CKKS_EIO);
    cr_assert_not_null(strstr(err.msg, "/nonexistent/dir/c.svg"));
}

Test(metrics, spec_parse_and_format)
{
    nn_spec s;
    nn_error err;
    char buf[64];
    cr_assert_eq(nn_spec_parse("30-32-2", NN_ARCH_LES, 30, 2, &s, &err), 0);
    cr_assert_eq(s.nhidden, 1);
    cr_assert_eq(s.hidden[0], 32);
    cr_assert_eq(nn_spec_parse("128-64-32", NN_ARCH_LES, 196, 10, &s, &err), 0);
    cr_assert_eq(s.nhidden, 3);
    nn_spec_format(&s, buf, sizeof buf);
    cr_assert_str_eq(buf, "196-128-64-32-10");
    cr_assert_eq(nn_spec_parse("64-32-16-10", NN_ARCH_BP, 64, 10, &s, &err), 0);
    cr_assert_eq(s.nhidden, 2);
    cr_assert_eq(nn_spec_parse("", NN_ARCH_LOGREG, 30, 2, &s, &err), 0);
    cr_assert_eq(nn_spec_parse("30-2", NN_ARCH_LOGREG, 30, 2, &s, &err), 0);
    cr_assert_eq(s.nhidden, 0);
    cr_assert_eq(nn_spec_parse("30-2", NN_ARCH_LES, 30, 2, &s, &err), CKKS_EINVAL);
    cr_assert_not_null(strstr(err.msg, "one block"));
    const char *bad[] = {"32-", "-32", "3a", "32--16", "0", "32-x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(nn_spec_parse(bad[i], NN_ARCH_LES, 30, 2, &s, &err), CKKS_EINVAL, "%s",
                     bad[i]);
    nn_poly p;
    cr_assert_eq(nn_poly_parse("0.5,1,0.25,0", &p), 0);
    cr_assert_eq(p.degree, 2);
    cr_assert_eq(p.c[2], 0.25);
    cr_assert_eq(nn_poly_parse("1,,2", &p), CKKS_EINVAL);
    cr_assert_eq(nn_poly_parse("", &p), CKKS_EINVAL);
}
