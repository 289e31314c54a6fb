// django-celery-beat's periodic task form: the crontab's reading under its field, as the package's own inline
// script does (templates/admin/djcelery/change_periodictask_form.html says why it is a file here).
(function ($) {
  "use strict";
  var readableCrontabs = JSON.parse($("#readable-crontabs").text());
  var originalHelp = JSON.parse($("#crontab-help").text());

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var help = $(".field-crontab .help");
    help.text(originalHelp);
    help.append($("<br>"), document.createTextNode("Translation: " + readableCrontabs[$("#id_crontab").val()]));
  });
})(django.jQuery);
