/* CSV loader: the bundled files, user tables, and every malformed case. */
#include <criterion/criterion.h>

#include "fixture.h"
#include "nn/nn.h"

/* Load text as a CSV file; returns the status, err and *out as the loader left them. */
static int load_text(const char *text, const nn_csv_options *opt, nn_data **out, nn_error *err)
{
    char dir[64], path[128];
    tmp_dir(dir, sizeof dir);
    tmp_file(path, sizeof path, dir, "t.csv", text, strlen(text));
    int rc = nn_csv_load(path, opt, out, err);
    tmp_cleanup(dir);
    return rc;
}

/* The load fails with CKKS_EFORMAT and a message containing want. */
static void expect_malformed(const char *text, const char *want)
{
    nn_data *d = (nn_data *)1;
    nn_error err = {{0}};
    cr_assert_eq(load_text(text, NULL, &d, &err), CKKS_EFORMAT, "accepted: %s", text);
    cr_assert_null(d);
    cr_assert_not_null(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
    cr_assert_not_null(strstr(err.msg, "t.csv"), "message '%s' lacks the file name", err.msg);
}

Test(csv, breast_cancer)
{
    nn_data *d;
    nn_error err;
    cr_assert_eq(nn_csv_load("data/breast_cancer.csv", NULL, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d->n, 569);
    cr_assert_eq(d->d, 30);
    cr_assert_eq(d->nclass, 2);
    size_t benign = 0;
    for (size_t i = 0; i < d->n; i++)
        benign += d->y[i] == 1;
    cr_assert_eq(benign, 357);
    cr_assert_float_eq(d->x[0], 17.99, 1e-12);
    cr_assert_float_eq(d->x[29], 0.1189, 1e-12);
    nn_data_free(d);
}

Test(csv, digits)
{
    nn_data *d;
    nn_error err;
    cr_assert_eq(nn_csv_load("data/digits.csv", NULL, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d->n, 1797);
    cr_assert_eq(d->d, 64);
    cr_assert_eq(d->nclass, 10);
    cr_assert_eq(d->y[0], 0);
    cr_assert_eq(d->y[1], 1);
    cr_assert_float_eq(d->x[2], 5.0, 0);
    nn_data_free(d);
}

Test(csv, user_table_with_header_label_first_crlf)
{
    nn_data *d;
    nn_error err;
    nn_csv_options opt = {.label_col = 0};
    const char *text = "class, a ,b\r\n2, 1.5,-3e2\r\n\r\n0,4,5\r\n1 ,0.25, 7\r\n";
    cr_assert_eq(load_text(text, &opt, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d->n, 3);
    cr_assert_eq(d->d, 2);
    cr_assert_eq(d->nclass, 3);
    const double x[6] = {1.5, -300, 4, 5, 0.25, 7};
    const int y[3] = {2, 0, 1};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(d->x[i], x[i]);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(d->y[i], y[i]);
    nn_data_free(d);
}

Test(csv, no_header_declared_classes)
{
    nn_data *d;
    nn_error err;
    nn_csv_options opt = {.label_col = -1, .nclass = 4};
    cr_assert_eq(load_text("1,2,0\n3,4,1\n", &opt, &d, &err), 0, "%s", err.msg);
    cr_assert_eq(d->n, 2);
    cr_assert_eq(d->nclass, 4);
    nn_data_free(d);
}

Test(csv, malformed)
{
    expect_malformed("1,2,0\n3,4\n", "t.csv:2: 2 fields, expected 3");
    expect_malformed("a,b,label\n1,2,0\n3,4,5,1\n", "t.csv:3: 4 fields, expected 3 (as on line 1)");
    expect_malformed("1,2,0\n3,x4,1\n", "t.csv:2: field 2 'x4' is not a finite number");
    expect_malformed("1,2,0\n3,,1\n", "t.csv:2: field 2");
    expect_malformed("1,2,0\n3,nan,1\n", "t.csv:2:");
    expect_malformed("1,2,0\n3,4,-1\n", "t.csv:2: label -1 (column 3) out of range");
    expect_malformed("1,2,0\n3,4,0.5\n", "t.csv:2: label '0.5' (column 3) is not an integer");
    expect_malformed("1,2,0\n3,4,300\n", "out of range 0..255");
    expect_malformed("", "empty");
    expect_malformed("\n  \n", "empty");
    expect_malformed("a,b,label\n", "empty");
    expect_malformed("3,2,no,yes\n1,2,0\n3,4,1\n", "header announces 3 rows, the file has 2");
    expect_malformed("2,3,no,yes\n1,2,0\n3,4,1\n", "header announces 3 features");
    expect_malformed("2,2,no,yes\n1,2,0\n3,4,2\n", "t.csv:3: label 2 (column 3) out of range 0..1");
    expect_malformed("1\n2\n", "need features and a label");
}

Test(csv, missing_file_and_bad_column)
{
    nn_data *d;
    nn_error err;
    cr_assert_eq(nn_csv_load("/nonexistent/x.csv", NULL, &d, &err), CKKS_EIO);
    cr_assert_not_null(strstr(err.msg, "/nonexistent/x.csv"));
    nn_csv_options opt = {.label_col = 5};
    cr_assert_eq(load_text("1,2,0\n", &opt, &d, &err), CKKS_EINVAL);
    cr_assert_not_null(strstr(err.msg, "label column 5 does not exist"), "%s", err.msg);
}
